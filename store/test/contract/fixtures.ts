import type { Id } from '@urbantwin/model'
import type { RangeQuery, SeriesPoint } from '../../src/index.ts'

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/**
 * Test data lives three days back, at a day boundary: old enough to be "idle" for latest(), young
 * enough for any engine's retention and VictoriaMetrics' window, and epoch-aligned for buckets.
 */
export const T0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY
export const iso = (ms: number) => new Date(ms).toISOString()
export const at = (offsetMs: number) => iso(T0 + offsetMs)

/** Datastream ids no earlier run used (engines outside CI keep data); DuckDB's INTEGER fits them. */
let nextId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000)
export const freshDatastream = (): Id => nextId++

export function point(datastreamId: Id, offsetMs: number, result: number, resultDelayMs = 250): SeriesPoint {
  return { datastreamId, phenomenonTime: at(offsetMs), resultTime: at(offsetMs + resultDelayMs), result }
}

export const everything: RangeQuery = { limit: 1000, offset: 0, order: 'asc' }

/** [phenomenonTime, result] pairs, the usual way to compare pages. */
export const pairs = (points: readonly SeriesPoint[]) => points.map((p) => [p.phenomenonTime, p.result])
