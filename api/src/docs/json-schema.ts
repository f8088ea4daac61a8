import { z } from 'zod'

/** A JSON Schema as a plain object (what `z.toJSONSchema` returns). */
export type JsonSchema = Record<string, unknown>

export type SchemaOptions = {
  /** `input` for request bodies and messages a client sends (defaults optional), `output` for answers. */
  io: 'input' | 'output'
  /** OpenAPI 3.1 speaks JSON Schema 2020-12; AsyncAPI 3.0's schema format is a superset of draft-07. */
  target: 'draft-2020-12' | 'draft-07'
  /** Where the components live, e.g. `#/components/schemas/`. */
  refBase: string
}

/**
 * Named zod schemas → JSON Schemas, one per name, referring to each other by `$ref` (`refBase` + name)
 * wherever one of them is used inside another, cycles included (`z.lazy`). zod 4's own generator
 * (`z.toJSONSchema`) does the work; refinements it cannot express are left out, not refused.
 */
export function componentSchemas(
  named: Readonly<Record<string, z.ZodType>>,
  opts: SchemaOptions,
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id })
  const out = z.toJSONSchema(registry, {
    target: opts.target,
    io: opts.io,
    unrepresentable: 'any',
    uri: (id) => `${opts.refBase}${id}`,
  }).schemas
  // each component sits inside a bigger document: no `$schema` or `$id` of its own
  return Object.fromEntries(
    Object.entries(out).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s as JsonSchema
      return [id, rest]
    }),
  )
}
