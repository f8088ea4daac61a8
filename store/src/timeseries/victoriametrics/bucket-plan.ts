/**
 * VictoriaMetrics evaluates `*_over_time(m[w])` at a time `t` over the left-open window `(t - w, t]`.
 * Our buckets are left-closed, `[b, b + I)`. Timestamps are whole milliseconds, so
 * `[b, b + I)` = `[b, b + I - 1]` = `(b - 1, b + I - 1]`: evaluate at `t = b + I - 1` with `w = I`.
 * Buckets cut by `from` or `to` get their own instant evaluation with a narrower window, so that
 * only points in `[from, to)` count (as in DuckDB and InfluxQL).
 */
export type Evaluation = { start: number; at: number; windowMs: number }
export type FullBuckets = { firstAt: number; lastAt: number; stepMs: number }
export type BucketPlan = { partial: Evaluation[]; full: FullBuckets[] }

/** Steps per query_range request, well below VictoriaMetrics' -search.maxPointsPerTimeseries (30,000). */
export const MAX_STEPS = 10_000

export function bucketStart(ms: number, intervalMs: number): number {
  return Math.floor(ms / intervalMs) * intervalMs
}

export function planBuckets(from: number, to: number, intervalMs: number): BucketPlan {
  const plan: BucketPlan = { partial: [], full: [] }
  if (to <= from) return plan
  const first = bucketStart(from, intervalMs)
  const last = bucketStart(to - 1, intervalMs)
  const cut = (b: number): Evaluation => {
    const end = Math.min(b + intervalMs, to)
    return { start: b, at: end - 1, windowMs: end - Math.max(b, from) }
  }
  const headCut = first < from
  const tailCut = last + intervalMs > to
  if (headCut) plan.partial.push(cut(first))
  if (tailCut && !(headCut && last === first)) plan.partial.push(cut(last))
  const firstFull = headCut ? first + intervalMs : first
  const lastFull = tailCut ? last - intervalMs : last
  for (let b = firstFull; b <= lastFull; b += MAX_STEPS * intervalMs) {
    const end = Math.min(lastFull, b + (MAX_STEPS - 1) * intervalMs)
    plan.full.push({ firstAt: b + intervalMs - 1, lastAt: end + intervalMs - 1, stepMs: intervalMs })
  }
  return plan
}
