import { z } from 'zod'
import { Gender } from './gender.ts'

/**
 * How a Datastream's or MultiDatastream's numbers are broken down: `properties.disaggregation`.
 * One shape for every source, so that `$filter=properties/disaggregation/byGender eq true` finds
 * every gender-disaggregated stream and the gender data gap report can count them.
 */

/** What a number is broken down by. */
export const DisaggregationDimension = z.enum([
  'gender',
  'ageGroup',
  'citizenship',
  'householdType',
  'surveyAnswer',
])
export type DisaggregationDimension = z.infer<typeof DisaggregationDimension>

/** Where the numbers come from: an official statistic, a survey, a model (estimate), or sensors. */
export const Provenance = z.enum(['official-statistic', 'survey', 'model', 'sensor', 'derived'])
export type Provenance = z.infer<typeof Provenance>

/** `total`: all gender categories together. */
export const GenderCell = z.union([Gender, z.literal('total')])
export type GenderCell = z.infer<typeof GenderCell>

/**
 * One number of a result (a MultiDatastream's element, or a Datastream's one result):
 * - `count`: people (or households), the cells small-cell suppression protects;
 * - `amount`: a sum over people that is not a count (e.g. the sum of the ages at death): hidden
 *   whenever the count it belongs to (`per`, an index) is, since a small group's sum tells on them;
 * - `ratio`: `of` = [numerator, denominator] indexes: hidden when either is (with the other public,
 *   it gives the hidden one back);
 * - `other`: a number about no group of people, never hidden.
 */
export const Cell = z.object({
  name: z.string().min(1),
  gender: GenderCell.optional(),
  /** Other dimensions' categories of this cell, e.g. `{ citizenship: 'german' }`. */
  categories: z.record(z.string(), z.string()).optional(),
  measure: z.enum(['count', 'amount', 'ratio', 'other']),
  per: z.number().int().min(0).optional(),
  of: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
})
export type Cell = z.infer<typeof Cell>

/** `total` = Σ `parts` (indexes of count cells): what complementary suppression must keep unsolvable. */
export const SumConstraint = z.object({
  total: z.number().int().min(0),
  parts: z.array(z.number().int().min(0)).min(1),
})
export type SumConstraint = z.infer<typeof SumConstraint>

export const Disaggregation = z.object({
  /** Every dimension the numbers are broken down by. */
  dimensions: z.array(DisaggregationDimension).min(1),
  /** `dimensions` includes gender: the filterable flag. */
  byGender: z.boolean(),
  /**
   * The gender categories the source distinguishes. A source with fewer than the four of the model
   * (the residents' register publishes female and total) lists only those and says so in `note`:
   * the others are unknown, not zero.
   */
  genderCategories: z.array(Gender).optional(),
  /** Who published the numbers (and the primary source, where they differ). */
  source: z.string().min(1),
  provenance: Provenance,
  /** A domain for the gap report: population, labour, waste, wlan, mobility, … */
  domain: z.string().min(1),
  note: z.string().optional(),
  /** The numbers of each result, in order (MultiDatastream: one per element; Datastream: one). */
  cells: z.array(Cell).min(1),
  constraints: z.array(SumConstraint).default([]),
})
export type Disaggregation = z.infer<typeof Disaggregation>
export type DisaggregationInput = z.input<typeof Disaggregation>

/**
 * The disaggregation of a (Multi)Datastream's properties, or null when it has none; one that does
 * not fit the schema is null too (it cannot be protected, so the API serves it to operators only).
 */
export function disaggregationOf(properties: Record<string, unknown> | undefined): Disaggregation | null {
  return parsedProperty(Disaggregation, properties?.disaggregation)
}

/** A property's value as `schema` reads it, or null when it is absent or does not fit. */
function parsedProperty<T>(schema: z.ZodType<T>, value: unknown): T | null {
  if (value === undefined) return null
  const parsed = schema.safeParse(value)
  return parsed.success ? parsed.data : null
}

/** Whether a (Multi)Datastream's properties claim a disaggregation (valid or not). */
export function claimsDisaggregation(properties: Record<string, unknown> | undefined): boolean {
  return properties?.disaggregation !== undefined
}

/**
 * How a stream the platform computes from others came about: `properties.derivation` of a derived
 * (Multi)Datastream (share of women, gender gaps, residents per device). Derived numbers are computed
 * only from what the public may see of their inputs, so they never give a suppressed count away.
 */
export const Derivation = z.object({
  /** The formula, in words. */
  method: z.string().min(1),
  /** The `properties.key` of each input stream, or the registry set it counts (`registry:…`). */
  inputs: z.array(z.string()).min(1),
  /** Who computed it, from whose numbers. */
  source: z.string().min(1),
  /** A domain for the gap report, as in a disaggregation. */
  domain: z.string().min(1),
})
export type Derivation = z.infer<typeof Derivation>

/** The derivation of a (Multi)Datastream's properties, or null when it has none (or not this shape). */
export function derivationOf(properties: Record<string, unknown> | undefined): Derivation | null {
  return parsedProperty(Derivation, properties?.derivation)
}
