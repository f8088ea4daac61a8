import type { Id } from '@urbantwin/model'
import { authorization, createEngineHttp } from '../engine-http.ts'
import { createLineWriter } from '../line-writer.ts'
import { FIELD, MEASUREMENT, RESULT_TIME_FIELD, TAG } from '../line-protocol.ts'
import {
  TimeSeriesError,
  type AggregateFn,
  type Health,
  type SeriesPoint,
  type TimeSeriesStore,
} from '../port.ts'
import { isoOf, msOf, pageOfSamples, toPoint, type Sample } from '../samples.ts'
import { planBuckets } from './bucket-plan.ts'
import { parseExport, parseInstant, parseRange, type ExportLine } from './responses.ts'

export type VictoriaMetricsOptions = {
  /** e.g. `http://127.0.0.1:8428` (single node) */
  url: string
  timeoutMs?: number
  /** Basic auth (`-httpAuth.username/password`) */
  username?: string
  password?: string
  /** Bearer token (e.g. behind vmauth) */
  token?: string
  /** Clock, for VictoriaMetrics' future limit. */
  now?: () => number
}

const RESULT = `${MEASUREMENT}_${FIELD}`
const RESULT_TIME = `${MEASUREMENT}_${RESULT_TIME_FIELD}`
const BOTH = `__name__=~"${RESULT}|${RESULT_TIME}"`
const DAY = 86_400_000
/** VictoriaMetrics 1.79 drops (with a log line, but HTTP 204) samples more than 2 days ahead of its clock. */
const FUTURE_LIMIT_MS = 2 * DAY
/**
 * Instant queries read from `time - window - step` (step defaults to 5 min); a window reaching before
 * 1970 makes VictoriaMetrics answer nothing at all, so the widest window stops an hour after the epoch.
 */
const EPOCH_MARGIN_MS = 3_600_000
const IDS_PER_QUERY = 500

const FN: Record<AggregateFn, string> = {
  avg: 'avg_over_time',
  min: 'min_over_time',
  max: 'max_over_time',
  sum: 'sum_over_time',
  count: 'count_over_time',
}

/** Epoch ms as the decimal seconds VictoriaMetrics takes, exactly (no float rounding). */
export function seconds(ms: number): string {
  if (ms < 0) return `-${seconds(-ms)}`
  const whole = Math.floor(ms / 1000)
  return `${whole}.${String(ms - whole * 1000).padStart(3, '0')}`
}
const oneOf = (ids: readonly Id[]) => `${TAG}=~"${ids.map((id) => String(Math.trunc(id))).join('|')}"`

/** Joins the `result` and `result_time` series of one Datastream by timestamp. */
function samplesOf(lines: readonly ExportLine[]): Sample[] {
  const resultMs = new Map<number, number>()
  for (const l of lines.filter((l) => l.metric.__name__ === RESULT_TIME)) {
    l.timestamps.forEach((t, i) => resultMs.set(t, Number(l.values[i])))
  }
  return lines
    .filter((l) => l.metric.__name__ === RESULT)
    .flatMap((l) =>
      l.timestamps.flatMap((ms, i) => {
        const result = l.values[i]
        return typeof result === 'number' ? [{ ms, result, resultMs: resultMs.get(ms) }] : []
      }),
    )
}

/**
 * VictoriaMetrics (single node, tested on 1.79.5): writes in line protocol to `/api/v2/write`,
 * range reads raw samples from `/api/v1/export`, latest and aggregate use MetricsQL. Run it with
 * `-dedup.minScrapeInterval=1ms` (replays must not count twice) and a retention covering your data.
 */
export function createVictoriaMetricsTimeSeries(opts: VictoriaMetricsOptions): TimeSeriesStore {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const now = opts.now ?? Date.now
  const auth = authorization({ ...opts, scheme: 'Bearer' })
  const http = createEngineHttp({ url: opts.url, timeoutMs, authorization: auth, engine: 'VictoriaMetrics' })
  const send = createLineWriter({
    url: opts.url,
    org: '',
    bucket: '',
    timeoutMs,
    engine: 'VictoriaMetrics',
    ...(auth ? { headers: { authorization: auth } } : {}),
  })

  const query = (q: string, atMs: number) =>
    http
      .request('/api/v1/query', new URLSearchParams({ query: q, time: seconds(atMs), nocache: '1' }), 'POST')
      .then(parseInstant)

  async function write(points: readonly SeriesPoint[]): Promise<void> {
    const limit = now() + FUTURE_LIMIT_MS
    const storable = (p: SeriesPoint) => msOf(p.phenomenonTime) >= 0 && msOf(p.phenomenonTime) <= limit
    const refused = points.filter((p) => !storable(p))
    await send(refused.length === 0 ? points : points.filter(storable))
    if (refused.length > 0) {
      const first = refused[0]!
      throw new TimeSeriesError(
        `VictoriaMetrics would silently drop ${refused.length} point(s) outside 1970…now+2d, e.g. Datastream ${first.datastreamId} at ${first.phenomenonTime}; the others were written`,
        { retriable: false },
      )
    }
  }

  async function latestOf(ids: readonly Id[], atMs: number, windowMs: number, into: Map<Id, SeriesPoint>) {
    const sel = `{${BOTH},${oneOf(ids)}}[${windowMs}ms]`
    const q = `union(label_set(tlast_over_time(${sel}) keep_metric_names, "ut", "t"), label_set(last_over_time(${sel}) keep_metric_names, "ut", "v"))`
    const parts = new Map<string, number>()
    for (const s of await query(q, atMs)) {
      parts.set(`${s.labels.__name__}|${s.labels[TAG]}|${s.labels.ut}`, s.value)
    }
    for (const id of ids) {
      const t = parts.get(`${RESULT}|${id}|t`)
      const v = parts.get(`${RESULT}|${id}|v`)
      if (t === undefined || v === undefined) continue
      const ms = Math.round(t * 1000) // tlast_over_time answers in seconds
      const sameLine = parts.get(`${RESULT_TIME}|${id}|t`) === t
      const resultMs = sameLine ? parts.get(`${RESULT_TIME}|${id}|v`) : undefined
      into.set(id, toPoint(id, { ms, result: v, resultMs }))
    }
  }

  return {
    write,

    async deleteSeries(datastreamIds) {
      // the admin API deletes whole series by matchers (open on a single node unless -deleteAuthKey)
      for (let i = 0; i < datastreamIds.length; i += IDS_PER_QUERY) {
        const params = new URLSearchParams()
        params.append('match[]', `{${BOTH},${oneOf(datastreamIds.slice(i, i + IDS_PER_QUERY))}}`)
        await http.request('/api/v1/admin/tsdb/delete_series', params, 'POST')
      }
    },

    async range(datastreamId, q) {
      const from = Math.max(0, q.from === undefined ? 0 : msOf(q.from))
      const to = q.to === undefined ? now() + FUTURE_LIMIT_MS + DAY : msOf(q.to)
      if (to <= from) return { items: [], count: 0 }
      const params = new URLSearchParams({ start: seconds(from), end: seconds(to - 1) })
      params.append('match[]', `{${BOTH},${TAG}="${Math.trunc(datastreamId)}"}`)
      const lines = parseExport(await http.request('/api/v1/export', params, 'POST'))
      return pageOfSamples(datastreamId, samplesOf(lines), q)
    },

    async latest(datastreamIds) {
      const found = new Map<Id, SeriesPoint>()
      const at = now() + FUTURE_LIMIT_MS + EPOCH_MARGIN_MS
      const unique = [...new Set(datastreamIds)]
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
        const ids = unique.slice(i, i + IDS_PER_QUERY)
        await latestOf(ids, at, FUTURE_LIMIT_MS + EPOCH_MARGIN_MS + DAY, found) // active in the last day
        const idle = ids.filter((id) => !found.has(id))
        if (idle.length > 0) await latestOf(idle, at, at - EPOCH_MARGIN_MS, found) // everything else
      }
      return found
    },

    async first(datastreamIds) {
      // tfirst_over_time: the time (seconds) of each series' oldest sample in the window: all of time
      const found = new Map<Id, string>()
      const at = now() + FUTURE_LIMIT_MS + EPOCH_MARGIN_MS
      const unique = [...new Set(datastreamIds)]
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
        const ids = unique.slice(i, i + IDS_PER_QUERY)
        const q = `tfirst_over_time(${RESULT}{${oneOf(ids)}}[${at - EPOCH_MARGIN_MS}ms])`
        for (const s of await query(q, at))
          found.set(Number(s.labels[TAG]), isoOf(Math.round(s.value * 1000)))
      }
      return found
    },

    async aggregate(datastreamId, q) {
      const sel = `${RESULT}{${TAG}="${Math.trunc(datastreamId)}"}`
      const plan = planBuckets(msOf(q.from), msOf(q.to), q.intervalMs)
      const buckets = new Map<number, number>()
      for (const e of plan.partial) {
        for (const s of await query(`${FN[q.fn]}(${sel}[${e.windowMs}ms])`, e.at))
          buckets.set(e.start, s.value)
      }
      for (const f of plan.full) {
        const params = new URLSearchParams({
          query: `${FN[q.fn]}(${sel}[${f.stepMs}ms])`,
          start: seconds(f.firstAt),
          end: seconds(f.lastAt),
          step: `${f.stepMs}ms`,
          nocache: '1', // no rollup cache (partial buckets near now) and no -search.latencyOffset shift
        })
        const samples = parseRange(await http.request('/api/v1/query_range', params, 'POST'))
        for (const s of samples) buckets.set(s.ms - f.stepMs + 1, s.value)
      }
      return [...buckets.entries()]
        .filter(([, value]) => Number.isFinite(value))
        .sort(([a], [b]) => a - b)
        .map(([start, value]) => ({ start: isoOf(start), value }))
    },

    async ping() {
      const health = await http.health('/health', (body) => body.trim() === 'OK')
      if (!health.ok) return health
      const flags = await http.request('/flags', new URLSearchParams()).catch(() => null)
      return flags === null ? health : checkDedup(flags) // a hidden /flags page (-flagsAuthKey) cannot be checked
    },

    close: async () => {},
  }
}

/**
 * Without `-dedup.minScrapeInterval=1ms` a replayed batch counts twice; a longer interval merges
 * distinct readings. `/flags` lists only the flags that were set.
 */
function checkDedup(flags: string): Health {
  const value = /-dedup\.minScrapeInterval="([^"]*)"/.exec(flags)?.[1]
  if (value === '1ms') return { ok: true }
  return {
    ok: false,
    reason: `VictoriaMetrics must run with -dedup.minScrapeInterval=1ms (it has ${value ? `"${value}"` : 'none'})`,
  }
}
