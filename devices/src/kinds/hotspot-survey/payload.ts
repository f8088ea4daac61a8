import { z } from 'zod'
import { Gender } from '@urbantwin/model'
import { QuestionId } from './question.ts'

/** The closed answer options of a splash-page question ("Do you feel safe here at night?"). */
export const SurveyAnswer = z.enum(['yes', 'no', 'unsure'])
export type SurveyAnswer = z.infer<typeof SurveyAnswer>

const HOUR_MS = 3_600_000
/** Plausibility cap for one cell: far more answers than one hotspot gets in an hour. */
const MAX_PER_CELL = 100_000

/** Exhaustive over the gender categories: every one present, no other key (zod 4 enum-keyed record). */
const CountsByGender = z.record(Gender, z.number().int().min(0).max(MAX_PER_CELL))

/**
 * Native JSON uplink of the optional, anonymous micro-survey on a WLAN hotspot's splash page: how many
 * people gave each answer during one hour, by gender category (PStG §22). Aggregates only: no free
 * text, no per-person records, no identifiers; every object is strict. All 12 cells are required, so a
 * zero is a zero and never a missing value.
 *
 * The counts are exact. Small-cell suppression is NOT applied here: the store keeps exact aggregates
 * and suppression happens when statistics are served (ARCHITECTURE.md, privacy by design).
 *
 * Example: `{"periodStart":"2026-11-23T21:00:00Z","question":"safe-at-night","answers":{
 * "yes":{"female":4,"male":9,"diverse":0,"unspecified":1},"no":{…},"unsure":{…}}}`
 */
export const HotspotSurveyPayload = z.strictObject({
  periodStart: z.iso
    .datetime({ offset: true })
    .refine((t) => Date.parse(t) % HOUR_MS === 0, 'periodStart must be on a full hour (UTC)')
    .describe('Start of the hour the answers were given in'),
  question: QuestionId.describe('Which question was asked; must be the Thing’s properties.question'),
  answers: z.record(SurveyAnswer, CountsByGender).describe('Per answer option, counts by gender category'),
})
export type HotspotSurveyPayload = z.infer<typeof HotspotSurveyPayload>
