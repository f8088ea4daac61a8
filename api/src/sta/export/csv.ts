import { stringify } from 'csv-stringify/sync'
import type { EntityQuery } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'
import {
  datastreamJson,
  historicalLocationJson,
  observationJson,
  observedPropertyJson,
  propertyNames,
  sensorJson,
  thingJson,
  type Links,
} from '../serialize.ts'

/**
 * `$resultFormat=CSV` (as FROST-Server answers it): one row per entity, RFC 4180 (CRLF, quotes
 * doubled), a header row.
 *
 * - Columns come from the entity set, never from the page, so every page of a collection has the same
 *   header: `id`, `selfLink`, the properties of OGC 18-088 in its order (or those `$select` names, in
 *   its order), then the ids of related single entities (`Datastream/id` on Observations; `Thing/id`,
 *   `Sensor/id`, `ObservedProperty/id` on Datastreams; `Thing/id` on HistoricalLocations), which
 *   `$select` keeps when it names that navigation property.
 * - Object values (`properties`, `unitOfMeasurement`, `location`, `parameters`) are one cell of JSON:
 *   property bags differ between entities, and JSON keeps them whole. Absent and null are empty cells.
 * - An expanded single entity (`$expand=Datastream`) adds its columns prefixed `Datastream/…`, nested
 *   ones `Datastream/Thing/…`. An expanded collection is refused (it would need a row per pair).
 * - Navigation links are not columns: `selfLink` leads to them.
 */
export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present'

/** A query that CSV cannot flatten (400, see errors.ts). */
export class CsvError extends UnsupportedQueryError {}

type Json = Record<string, unknown>
// serialisers of different entity types share one table: their item types are erased here
type ToJson = (l: Links, item: never) => Json
/** One row's sources: the stored record (for related ids) and its JSON with `$select`/`$expand` applied. */
export type CsvRow = { record: unknown; json: Json }
export type Column = { name: string; value: (row: CsvRow) => unknown }

/** Navigation properties to one entity: who serialises it, which record field holds its id. */
const SINGLE = new Map<ToJson, Record<string, { to: ToJson; key: string }>>([
  [observationJson as ToJson, { Datastream: { to: datastreamJson as ToJson, key: 'datastreamId' } }],
  [
    datastreamJson as ToJson,
    {
      Thing: { to: thingJson as ToJson, key: 'thingId' },
      Sensor: { to: sensorJson as ToJson, key: 'sensorId' },
      ObservedProperty: { to: observedPropertyJson as ToJson, key: 'observedPropertyId' },
    },
  ],
  [historicalLocationJson as ToJson, { Thing: { to: thingJson as ToJson, key: 'thingId' } }],
])

const header = (key: string) => (key === '@iot.id' ? 'id' : key === '@iot.selfLink' ? 'selfLink' : key)

/** `$expand` items grouped by their first navigation step (`Datastream/Thing` is Datastream with `$expand=Thing`). */
function levels(q: EntityQuery): Map<string, EntityQuery> {
  const out = new Map<string, EntityQuery>()
  for (const item of q.expand ?? []) {
    const [head, ...rest] = item.path
    if (head === undefined) continue
    const was = out.get(head) ?? {}
    if (rest.length === 0)
      out.set(head, { ...was, ...item.query, expand: [...(was.expand ?? []), ...(item.query.expand ?? [])] })
    else out.set(head, { ...was, expand: [...(was.expand ?? []), { path: rest, query: item.query }] })
  }
  return out
}

function columnsAt(
  to: ToJson,
  q: EntityQuery,
  prefix: string,
  at: (row: CsvRow) => Json | null,
  top: boolean,
) {
  const single = SINGLE.get(to) ?? {}
  const expanded = levels(q)
  const selected = q.select?.map((p) => p.join('/'))
  const own = selected
    ? selected.flatMap((s) => (s === 'id' ? ['@iot.id'] : propertyNames(to).includes(s) ? [s] : []))
    : ['@iot.id', '@iot.selfLink', ...propertyNames(to)]
  const columns: Column[] = own.map((key) => ({ name: prefix + header(key), value: (row) => at(row)?.[key] }))
  // related ids come from the record, which only the top level has
  for (const [nav, { key }] of Object.entries(single))
    if (top && !expanded.has(nav) && (!selected || selected.includes(nav)))
      columns.push({ name: `${nav}/id`, value: (row) => (row.record as Record<string, unknown>)[key] })
  for (const [nav, nested] of expanded) {
    const one = single[nav]
    if (!one)
      throw new CsvError(
        `$resultFormat=CSV flattens expanded single entities only; ${nav} is a collection: ask for …/${nav}?$resultFormat=CSV`,
      )
    const related = (row: CsvRow) => {
      const v = at(row)?.[nav]
      return typeof v === 'object' && v !== null ? (v as Json) : null
    }
    columns.push(...columnsAt(one.to, nested, `${prefix}${nav}/`, related, false))
  }
  return columns
}

/**
 * The CSV columns of an entity set under a query, before anything is loaded: a CsvError for what CSV
 * cannot flatten. `$select` and `$expand` are assumed checked (the expander's `check`).
 */
export function csvColumns<T>(to: (l: Links, item: T) => Json, q: EntityQuery): Column[] {
  return columnsAt(to as ToJson, q, '', (row) => row.json, true)
}

/** One cell: text as is, numbers and booleans as JSON literals, objects as JSON, nothing as empty. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** The CSV text: a header row, then one row per entity (RFC 4180: CRLF, fields quoted when needed). */
export function csvText(columns: readonly Column[], rows: readonly CsvRow[]): string {
  const records = [columns.map((c) => c.name), ...rows.map((row) => columns.map((c) => cell(c.value(row))))]
  // csv-stringify quotes the whole record delimiter (CRLF) but not a lone CR or LF: ask for those too
  return stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ })
}
