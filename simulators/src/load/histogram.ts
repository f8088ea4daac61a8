/**
 * Latency histogram with log-spaced buckets (~2 % relative error, 1 µs … ~100 s). Mergeable across
 * processes by adding counts, which a list of percentiles is not. Written here because no histogram
 * library is a dependency and this one is 40 lines; pure (values are passed in).
 */
const GROWTH = 1.02
const MIN_MS = 0.001
const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / Math.log(GROWTH)) + 1

export type LatencyHistogram = { counts: number[]; total: number; maxMs: number }

export function createHistogram(): LatencyHistogram {
  return { counts: new Array<number>(BUCKETS).fill(0), total: 0, maxMs: 0 }
}

export function record(h: LatencyHistogram, ms: number): void {
  const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)))
  h.counts[i]!++
  h.total++
  if (ms > h.maxMs) h.maxMs = ms
}

export function merge(into: LatencyHistogram, from: LatencyHistogram): void {
  for (let i = 0; i < BUCKETS; i++) into.counts[i]! += from.counts[i] ?? 0
  into.total += from.total
  into.maxMs = Math.max(into.maxMs, from.maxMs)
}

/** The upper bound of the bucket holding quantile `q` (0..1); null when empty. */
export function quantile(h: LatencyHistogram, q: number): number | null {
  if (h.total === 0) return null
  const rank = Math.max(1, Math.ceil(q * h.total))
  let seen = 0
  for (let i = 0; i < BUCKETS; i++) {
    seen += h.counts[i]!
    if (seen >= rank) return Math.min(h.maxMs, MIN_MS * GROWTH ** i)
  }
  return h.maxMs
}
