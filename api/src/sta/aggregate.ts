import type { Expr, Id } from '@urbantwin/model'
import { timeBounds, type Bucket, type Store } from '@urbantwin/store'
import { QueryError, type AggregateOption, type RequestQuery } from './odata/parse.ts'
import { collectionJson } from './serialize.ts'

/** Intervals one request may span; a longer window needs a longer `$interval` or a narrower `$filter`. */
export const MAX_BUCKETS = 100_000
/** Intervals before the end of the window when `$filter` gives no lower bound. */
export const DEFAULT_BUCKETS = 1000

const COMPARISONS = new Set(['eq', 'ge', 'gt', 'le', 'lt'])

/** `phenomenonTime` compared with a datetime literal, either way round. */
function isTimeComparison(e: Expr): boolean {
  if (e.kind !== 'binary' || !COMPARISONS.has(e.op)) return false
  const time = (x: Expr) => x.kind === 'property' && x.path.length === 1 && x.path[0] === 'phenomenonTime'
  const literal = (x: Expr) => x.kind === 'literal' && x.type === 'datetime'
  return (time(e.left) && literal(e.right)) || (literal(e.left) && time(e.right))
}

const onlyTimeBounds = (e: Expr): boolean =>
  e.kind === 'binary' && e.op === 'and'
    ? onlyTimeBounds(e.left) && onlyTimeBounds(e.right)
    : isTimeComparison(e)

/**
 * The `[from, to)` window of an aggregation: what `$filter` puts on phenomenonTime (nothing else may
 * be filtered: a store aggregates whole intervals), else up to now and `DEFAULT_BUCKETS` intervals back.
 */
export function aggregateWindow(filter: Expr | undefined, a: AggregateOption, nowMs = Date.now()) {
  if (filter && !onlyTimeBounds(filter))
    throw new QueryError(
      '$filter',
      'with $aggregate it may only bound phenomenonTime, e.g. phenomenonTime ge 2026-11-01T00:00:00Z and phenomenonTime lt 2026-11-02T00:00:00Z',
    )
  const bounds = filter ? timeBounds(filter, 'phenomenonTime') : {}
  const toMs = bounds.toMs ?? nowMs + 1
  const fromMs = bounds.fromMs ?? toMs - DEFAULT_BUCKETS * a.intervalMs
  if (toMs <= fromMs) return { fromMs, toMs, empty: true }
  if ((toMs - fromMs) / a.intervalMs > MAX_BUCKETS)
    throw new QueryError(
      '$interval',
      `${a.interval} over this phenomenonTime window makes more than ${MAX_BUCKETS} intervals; use a longer $interval or a narrower window`,
    )
  return { fromMs, toMs, empty: false }
}

/** What may accompany `$aggregate`: a time window, paging, `$count` and the order of the intervals. */
function refuseOthers(q: RequestQuery): void {
  if (q.expand?.length) throw new QueryError('$expand', 'does not apply to aggregated intervals')
  if (q.select) throw new QueryError('$select', 'does not apply to aggregated intervals')
  if (q.resultFormat) throw new QueryError('$resultFormat', 'does not apply to aggregated intervals')
  const order = q.orderBy ?? []
  const [first, ...rest] = order
  const byTime = first?.expr.kind === 'property' && first.expr.path.join('/') === 'phenomenonTime'
  if (first && (rest.length > 0 || !byTime))
    throw new QueryError('$orderby', 'aggregated intervals are ordered by phenomenonTime (asc or desc) only')
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * `GET /Datastreams(id)/Observations?$aggregate=avg&$interval=PT1H[&$filter=<time window>]`: one
 * Observation-shaped entry per non-empty interval, oldest first unless `$orderby=phenomenonTime desc`:
 * `phenomenonTime` is the interval (`start/end`), `result` the aggregate, `parameters` say how it was
 * made. Entries have no `@iot.id`: they are computed, not stored.
 */
export async function aggregateJson(
  store: Pick<Store, 'aggregateObservations'>,
  datastreamId: Id,
  q: RequestQuery & { aggregate: AggregateOption },
  requestUrl: URL,
): Promise<Record<string, unknown>> {
  refuseOthers(q)
  const a = q.aggregate
  const w = aggregateWindow(q.filter, a)
  const buckets: Bucket[] = w.empty
    ? []
    : await store.aggregateObservations(datastreamId, {
        from: iso(w.fromMs),
        to: iso(w.toMs),
        intervalMs: a.intervalMs,
        fn: a.fn,
      })
  const ordered = q.orderBy?.[0]?.direction === 'desc' ? [...buckets].reverse() : buckets
  const page = { items: ordered.slice(q.skip, q.skip + q.top), count: ordered.length }
  return collectionJson(page, q, requestUrl, (b) => {
    const start = Date.parse(b.start)
    return {
      phenomenonTime: `${iso(start)}/${iso(start + a.intervalMs)}`,
      result: b.value,
      parameters: { aggregate: a.fn, interval: a.interval },
    }
  })
}
