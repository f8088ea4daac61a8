import { isoOfMs } from '../query/iso-time.ts'
import type { Id } from '@urbantwin/model'
import type { RangeQuery, SeriesPoint } from './port.ts'

/** A raw sample as an engine returns it: epoch milliseconds, the value and (when stored) the resultTime. */
export type Sample = { ms: number; result: number; resultMs?: number }

/** Milliseconds since the epoch of an ISO 8601 instant; throws on anything else (a caller's bug). */
export function msOf(iso: string): number {
  const ms = Date.parse(iso)
  if (!Number.isFinite(ms)) throw new RangeError(`not an ISO 8601 instant: ${iso}`)
  return ms
}

export const isoOf = isoOfMs

export function toPoint(datastreamId: Id, s: Sample): SeriesPoint {
  return {
    datastreamId,
    phenomenonTime: isoOf(s.ms),
    resultTime: isoOf(s.resultMs ?? s.ms),
    result: s.result,
  }
}

/**
 * A page of raw samples for engines that return whole series (VictoriaMetrics' export):
 * keeps `[from, to)`, one sample per millisecond (the last one seen), sorted, then sliced.
 */
export function pageOfSamples(
  datastreamId: Id,
  samples: Iterable<Sample>,
  q: RangeQuery,
): { items: SeriesPoint[]; count: number } {
  const from = q.from === undefined ? -Infinity : msOf(q.from)
  const to = q.to === undefined ? Infinity : msOf(q.to)
  const byMs = new Map<number, Sample>()
  for (const s of samples) if (s.ms >= from && s.ms < to) byMs.set(s.ms, s)
  const sorted = [...byMs.values()].sort((a, b) => (q.order === 'asc' ? a.ms - b.ms : b.ms - a.ms))
  return {
    items: sorted.slice(q.offset, q.offset + q.limit).map((s) => toPoint(datastreamId, s)),
    count: sorted.length,
  }
}
