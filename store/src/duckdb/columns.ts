import { COMPLEX_OBSERVATION } from '@urbantwin/model'
import type { Column, ColumnMap, SqlType } from './filter-sql.ts'

/**
 * SensorThings property names → columns of the embedded store, per entity set: what `$filter` and
 * `$orderby` may name. Anything else is an unknown property (400).
 * - JSON members are reached by keys (or array indexes) of letters, digits and `_` only, so a path
 *   never changes the shape of the SQL.
 * - A path through a navigation property to one entity (`Thing/name` from a Datastream,
 *   `Datastream/Thing/properties/owner` from an Observation) becomes a correlated subquery.
 * The queried row is `e` (see the store's page query); each navigation step gets its own alias.
 */

const KEY = /^[A-Za-z0-9_]+$/

/** Column SQL for a row alias. */
type Plain = { sql: (alias: string) => string; type: SqlType }
type EntitySet = {
  table: string
  plain: Record<string, Plain>
  json?: Record<string, string>
  /** Navigation to one entity: the foreign key on this row and the target set. */
  one?: Record<string, { key: string; set: () => EntitySet }>
}

/** Nesting of navigation subqueries a path may ask for (Observation → Datastream → Thing is 2). */
const MAX_NAVIGATION = 3

function members(column: string, rest: readonly string[]): Column | null {
  if (rest.length === 0) return { sql: column, type: 'json' }
  if (!rest.every((k) => KEY.test(k))) return null
  // a JSON Pointer: a digit segment is an index into an array and a key of an object, as the
  // in-memory evaluator reads paths (`unitOfMeasurements/0/symbol`, `properties/owner`)
  return { sql: `json_extract(${column}, '/${rest.join('/')}')`, type: 'json' }
}

function resolve(set: EntitySet, path: readonly string[], alias: string, depth: number): Column | null {
  const [head, ...rest] = path
  if (head === undefined) return null
  const name = head === '@iot.id' ? 'id' : head
  const plain = Object.hasOwn(set.plain, name) ? set.plain[name] : undefined
  if (rest.length === 0 && plain) return { sql: plain.sql(alias), type: plain.type }
  if (set.json && Object.hasOwn(set.json, name)) return members(`${alias}.${set.json[name]}`, rest)
  const nav = set.one && Object.hasOwn(set.one, name) ? set.one[name] : undefined
  if (!nav || rest.length === 0 || depth >= MAX_NAVIGATION) return null
  // the related entity's id is this row's foreign key (deletes cascade, so it always names one)
  if (rest.length === 1 && (rest[0] === 'id' || rest[0] === '@iot.id'))
    return { sql: `${alias}.${nav.key}`, type: 'number' }
  const target = nav.set()
  const inner = `n${depth + 1}`
  const column = resolve(target, rest, inner, depth + 1)
  if (!column) return null
  return {
    sql: `(SELECT ${column.sql} FROM ${target.table} AS ${inner} WHERE ${inner}.id = ${alias}.${nav.key})`,
    type: column.type,
  }
}

const mapOf =
  (set: EntitySet): ColumnMap =>
  (path) =>
    resolve(set, path, 'e', 0)

const col = (name: string, type: SqlType): Plain => ({ sql: (a) => `${a}.${name}`, type })
const id = col('id', 'number')
const text = (name: string) => col(name, 'string')

const THING: EntitySet = {
  table: 'things',
  plain: { id, name: text('name'), description: text('description') },
  json: { properties: 'properties' },
}
const LOCATION: EntitySet = {
  table: 'locations',
  plain: {
    id,
    name: text('name'),
    description: text('description'),
    encodingType: text('encoding_type'),
    location: { sql: (a) => `[${a}.lon, ${a}.lat]`, type: 'point' },
  },
  json: { properties: 'properties' },
  // a Location belongs to one Thing here: its Things are that one
  one: { Things: { key: 'thing_id', set: () => THING } },
}
const HISTORICAL_LOCATION: EntitySet = {
  table: 'historical_locations',
  plain: { id, time: col('time', 'time') },
  one: { Thing: { key: 'thing_id', set: () => THING } },
}
const SENSOR: EntitySet = {
  table: 'sensors',
  plain: {
    id,
    name: text('name'),
    description: text('description'),
    encodingType: text('encoding_type'),
    metadata: text('metadata'),
  },
}
const OBSERVED_PROPERTY: EntitySet = {
  table: 'observed_properties',
  plain: { id, name: text('name'), definition: text('definition'), description: text('description') },
}
const DATASTREAM: EntitySet = {
  table: 'datastreams',
  plain: {
    id,
    name: text('name'),
    description: text('description'),
    observationType: text('observation_type'),
  },
  json: { unitOfMeasurement: 'unit', properties: 'properties' },
  one: {
    Thing: { key: 'thing_id', set: () => THING },
    Sensor: { key: 'sensor_id', set: () => SENSOR },
    ObservedProperty: { key: 'observed_property_id', set: () => OBSERVED_PROPERTY },
  },
}
const MULTI_DATASTREAM: EntitySet = {
  table: 'multi_datastreams',
  plain: {
    id,
    name: text('name'),
    description: text('description'),
    observationType: { sql: () => `'${COMPLEX_OBSERVATION}'`, type: 'string' },
  },
  json: { unitOfMeasurements: 'units', multiObservationDataTypes: 'data_types', properties: 'properties' },
  one: {
    Thing: { key: 'thing_id', set: () => THING },
    Sensor: { key: 'sensor_id', set: () => SENSOR },
  },
}
/** Observations kept in DuckDB: a number in `result_number`, anything else as JSON text in `result_json`. */
const OBSERVATION: EntitySet = {
  table: 'all_observations',
  plain: {
    id,
    phenomenonTime: col('phenomenon_time', 'time'),
    resultTime: col('result_time', 'time'),
    result: {
      sql: (a) => `COALESCE(CAST(to_json(${a}.result_number) AS JSON), CAST(${a}.result_json AS JSON))`,
      type: 'json',
    },
  },
  // datastream_id names a Datastream or a MultiDatastream (one id sequence): the other one is null
  one: {
    Datastream: { key: 'datastream_id', set: () => DATASTREAM },
    MultiDatastream: { key: 'datastream_id', set: () => MULTI_DATASTREAM },
  },
}

export const THING_COLUMNS = mapOf(THING)
export const LOCATION_COLUMNS = mapOf(LOCATION)
export const HISTORICAL_LOCATION_COLUMNS = mapOf(HISTORICAL_LOCATION)
export const DATASTREAM_COLUMNS = mapOf(DATASTREAM)
export const MULTI_DATASTREAM_COLUMNS = mapOf(MULTI_DATASTREAM)
export const SENSOR_COLUMNS = mapOf(SENSOR)
export const OBSERVED_PROPERTY_COLUMNS = mapOf(OBSERVED_PROPERTY)
export const OBSERVATION_QUERY_COLUMNS = mapOf(OBSERVATION)
