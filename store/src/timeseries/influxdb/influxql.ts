import type { Id } from '@urbantwin/model'
import { FIELD, MEASUREMENT, RESULT_TIME_FIELD, TAG } from '../line-protocol.ts'
import type { AggregateFn, AggregateQuery, RangeQuery } from '../port.ts'
import { isoOf, msOf } from '../samples.ts'

/** InfluxQL text for the read paths (InfluxDB 1.x `/query`, 2.x v1 API, 3.x). Pure: no I/O. */

const FROM = `"${MEASUREMENT}"`
const COLUMNS = `"${FIELD}", "${RESULT_TIME_FIELD}"`

const FN: Record<AggregateFn, string> = { avg: 'MEAN', min: 'MIN', max: 'MAX', sum: 'SUM', count: 'COUNT' }

/** A tag value in single quotes (InfluxQL string literal). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

const isDatastream = (id: Id) => `"${TAG}" = ${quote(String(Math.trunc(id)))}`
/** RFC 3339 literals work on every InfluxQL engine; millisecond precision is kept. */
const time = (iso: string) => quote(isoOf(msOf(iso)))

function where(id: Id, from?: string, to?: string): string {
  const terms = [isDatastream(id)]
  if (from !== undefined) terms.push(`time >= ${time(from)}`)
  if (to !== undefined) terms.push(`time < ${time(to)}`)
  return terms.join(' AND ')
}

export function rangeQuery(id: Id, q: RangeQuery): string {
  const order = q.order === 'asc' ? 'ASC' : 'DESC'
  const limit = Math.trunc(q.limit)
  const offset = Math.trunc(q.offset)
  return `SELECT ${COLUMNS} FROM ${FROM} WHERE ${where(id, q.from, q.to)} ORDER BY time ${order} LIMIT ${limit} OFFSET ${offset}`
}

export function countQuery(id: Id, q: Pick<RangeQuery, 'from' | 'to'>): string {
  return `SELECT COUNT("${FIELD}") FROM ${FROM} WHERE ${where(id, q.from, q.to)}`
}

/** Deletes the series (all their points) of these Datastreams (InfluxDB 1.x). */
export function dropSeriesQuery(ids: readonly Id[]): string {
  return `DROP SERIES FROM ${FROM} WHERE ${ids.map(isDatastream).join(' OR ')}`
}

/** LIMIT applies per series when grouped by a tag: the newest point of each Datastream. */
export function latestQuery(ids: readonly Id[]): string {
  const any = ids.map(isDatastream).join(' OR ')
  return `SELECT ${COLUMNS} FROM ${FROM} WHERE ${any} GROUP BY "${TAG}" ORDER BY time DESC LIMIT 1`
}

/** The oldest point of each Datastream (LIMIT per series, as in latestQuery). */
export function firstQuery(ids: readonly Id[]): string {
  const any = ids.map(isDatastream).join(' OR ')
  return `SELECT ${COLUMNS} FROM ${FROM} WHERE ${any} GROUP BY "${TAG}" ORDER BY time ASC LIMIT 1`
}

/** InfluxQL's GROUP BY time() buckets are aligned to the epoch and labelled by their start. */
export function aggregateQuery(id: Id, q: AggregateQuery): string {
  const interval = Math.trunc(q.intervalMs)
  return `SELECT ${FN[q.fn]}("${FIELD}") FROM ${FROM} WHERE ${where(id, q.from, q.to)} GROUP BY time(${interval}ms) fill(none)`
}
