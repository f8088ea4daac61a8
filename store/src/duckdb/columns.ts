import type { Column, ColumnMap } from './filter-sql.ts'

/**
 * SensorThings property names → columns of the embedded store, per entity set: what `$filter` and
 * `$orderby` may name. Anything else is an unknown property (400). JSON members are reached by
 * quoted keys of letters, digits and `_` only, so a path never changes the shape of the SQL.
 */

const KEY = /^[A-Za-z0-9_]+$/

function members(column: string, rest: readonly string[]): Column | null {
  if (rest.length === 0) return { sql: column, type: 'json' }
  if (!rest.every((k) => KEY.test(k))) return null
  return { sql: `json_extract(${column}, '$.${rest.map((k) => `"${k}"`).join('.')}')`, type: 'json' }
}

function entitySet(plain: Record<string, Column>, json: Record<string, string> = {}): ColumnMap {
  return (path) => {
    const [head, ...rest] = path
    if (head === undefined) return null
    const key = head === '@iot.id' ? 'id' : head
    if (rest.length === 0 && Object.hasOwn(plain, key)) return plain[key]!
    if (Object.hasOwn(json, key)) return members(json[key]!, rest)
    return null
  }
}

const id: Column = { sql: 'id', type: 'number' }
const text = (sql: string): Column => ({ sql, type: 'string' })

export const THING_COLUMNS = entitySet(
  { id, name: text('name'), description: text('description') },
  { properties: 'properties' },
)
export const LOCATION_COLUMNS = entitySet(
  {
    id,
    name: text('name'),
    description: text('description'),
    encodingType: text('encoding_type'),
    location: { sql: '[lon, lat]', type: 'point' },
  },
  { properties: 'properties' },
)
export const HISTORICAL_LOCATION_COLUMNS = entitySet({ id, time: { sql: 'time', type: 'time' } })
export const DATASTREAM_COLUMNS = entitySet(
  { id, name: text('name'), description: text('description'), observationType: text('observation_type') },
  { unitOfMeasurement: 'unit', properties: 'properties' },
)
export const SENSOR_COLUMNS = entitySet({
  id,
  name: text('name'),
  description: text('description'),
  encodingType: text('encoding_type'),
  metadata: text('metadata'),
})
export const OBSERVED_PROPERTY_COLUMNS = entitySet({
  id,
  name: text('name'),
  definition: text('definition'),
  description: text('description'),
})
/** Observations kept in DuckDB: a number in `result_number`, anything else as JSON text in `result_json`. */
export const OBSERVATION_QUERY_COLUMNS = entitySet({
  id,
  phenomenonTime: { sql: 'phenomenon_time', type: 'time' },
  resultTime: { sql: 'result_time', type: 'time' },
  result: { sql: 'COALESCE(CAST(to_json(result_number) AS JSON), CAST(result_json AS JSON))', type: 'json' },
})
