import { z } from 'zod'
import { AGGREGATE_FNS } from '@urbantwin/store'
import { quarantineQuery } from '../routes/quarantine.ts'
import { RESULT_FORMATS } from '../sta/odata/parse.ts'
import { EntityId } from '../sta/query.ts'
import type { JsonSchema } from './json-schema.ts'
import type { QueryName } from './operations.ts'

export type ParameterLimits = { maxTop: number; maxExpandDepth: number }

const schemaOf = (s: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

/** A query parameter; an example goes into the text (Swagger UI would fill `example` into every form). */
const query = (name: string, description: string, schema: JsonSchema, example?: string) => ({
  name,
  in: 'query',
  description: example === undefined ? description : `${description}. Example: \`${example}\``,
  schema,
})

/** The path parameter `(id)`, from the schema the router parses it with. */
export function idParameter() {
  return {
    name: 'id',
    in: 'path',
    required: true,
    description: 'The entity’s `@iot.id`',
    schema: schemaOf(EntityId.shape.id),
  }
}

/**
 * `components.parameters`: SensorThings' query options (OGC 18-088 9.3), the aggregation extension,
 * and the quarantine's paging (from its zod query schema).
 */
export function queryParameters(limits: ParameterLimits): Record<QueryName, object> {
  const quarantine = quarantineQuery(limits.maxTop).shape
  const str = { type: 'string' }
  return {
    filter: query(
      '$filter',
      'Which entities (STA 9.3.3.4): comparison, logical and arithmetic operators, string, date, math and ' +
        'geospatial functions; properties of JSON objects as `properties/owner`; paths through navigation ' +
        'to one entity (`Thing/name`). With `$aggregate` it may only bound phenomenonTime.',
      str,
      'phenomenonTime ge 2026-11-01T00:00:00Z and result gt 80',
    ),
    orderby: query(
      '$orderby',
      'Order (STA 9.3.3.3): expressions, each `asc` or `desc`',
      str,
      'phenomenonTime desc',
    ),
    select: query(
      '$select',
      'Only these properties (STA 9.3.3.2): property names, `id` for @iot.id, navigation properties for their links',
      str,
      'id,name',
    ),
    expand: query(
      '$expand',
      `Related entities inline (STA 9.3.2.1), nested with their own options, at most ${limits.maxExpandDepth} deep`,
      str,
      'Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))',
    ),
    top: query(
      '$top',
      `Page size (STA 9.3.3.5); default 100, a value above ${limits.maxTop} is reduced to it and @iot.nextLink pages on`,
      { type: 'integer', minimum: 0 },
    ),
    skip: query('$skip', 'Entities to skip (STA 9.3.3.6)', { type: 'integer', minimum: 0 }),
    count: query('$count', 'Also count all matching entities: @iot.count (STA 9.3.3.7)', { type: 'boolean' }),
    resultFormat: query(
      '$resultFormat',
      'Open-data exports: `CSV` on every collection (RFC 4180, one row per entity), `GeoJSON` on Things and ' +
        'Locations (RFC 7946, paged as OGC API – Features), `dataArray` on the Observations of a Datastream (STA 14.3). ' +
        'Exports carry the licence: `Link: <…>; rel="license"` and `X-Attribution`.',
      { type: 'string', enum: [...RESULT_FORMATS] },
    ),
    aggregate: query(
      '$aggregate',
      'Extension: aggregate the numeric results per `$interval`, computed by the store. One Observation-shaped ' +
        'entry per non-empty interval, oldest first; no $select, $expand or $resultFormat.',
      { type: 'string', enum: [...AGGREGATE_FNS] },
    ),
    interval: query(
      '$interval',
      'Extension, with $aggregate: ISO 8601 duration of days, hours, minutes, seconds (PT1S–P366D), epoch-aligned in UTC',
      str,
      'PT1H',
    ),
    quarantineTop: query('$top', String(quarantine.$top.description), schemaOf(quarantine.$top, 'input')),
    quarantineSkip: query('$skip', String(quarantine.$skip.description), schemaOf(quarantine.$skip, 'input')),
    quarantineCategory: query(
      'category',
      String(quarantine.category.description),
      schemaOf(quarantine.category.unwrap(), 'input'),
    ),
  }
}
