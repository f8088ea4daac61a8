import type { Id } from '@urbantwin/model'
import { authorization, createEngineHttp } from '../engine-http.ts'
import { createLineWriter } from '../line-writer.ts'
import { FIELD, MEASUREMENT, RESULT_TIME_FIELD, TAG } from '../line-protocol.ts'
import type { SeriesPoint, TimeSeriesStore } from '../port.ts'
import { isoOf, toPoint, type Sample } from '../samples.ts'
import {
  aggregateQuery,
  countQuery,
  dropSeriesQuery,
  firstQuery,
  latestQuery,
  rangeQuery,
} from './influxql.ts'
import { rowsOf, type Row } from './responses.ts'

export type InfluxDbOptions = {
  /** e.g. `http://127.0.0.1:8086` */
  url: string
  /** API token: `Authorization: Token …` for the v2 write and (without a username) the v1 query. */
  token?: string
  /** InfluxDB 2.x organisation (name or id); 3.x ignores it. */
  org?: string
  /** Bucket (2.x) or database (3.x) written through `/api/v2/write`. */
  bucket: string
  /** InfluxQL database for `/query`; defaults to the bucket (2.x maps it by DBRP, 3.x uses the name). */
  database?: string
  retentionPolicy?: string
  /** v1 credentials: Basic auth on `/query`; as `user:password` token on writes when there is no token. */
  username?: string
  password?: string
  timeoutMs?: number
}

const IDS_PER_QUERY = 200

function sampleOf(r: Row): Sample | null {
  const { time, [FIELD]: result, [RESULT_TIME_FIELD]: resultMs } = r.values
  if (typeof time !== 'number' || typeof result !== 'number') return null
  return { ms: time, result, ...(typeof resultMs === 'number' ? { resultMs } : {}) }
}

/**
 * InfluxDB: writes line protocol to `/api/v2/write` (2.x, 3.x, 1.8+) and reads with InfluxQL from
 * `/query` (1.x, the v1-compatible API of 2.x, and 3.x).
 */
export function createInfluxDbTimeSeries(opts: InfluxDbOptions): TimeSeriesStore {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const http = createEngineHttp({
    url: opts.url,
    timeoutMs,
    authorization: authorization({ ...opts, scheme: 'Token' }),
    engine: 'InfluxDB',
  })
  const writeToken =
    opts.token ?? (opts.username !== undefined ? `${opts.username}:${opts.password ?? ''}` : undefined)
  const send = createLineWriter({
    url: opts.url,
    ...(writeToken ? { token: writeToken } : {}),
    org: opts.org ?? '',
    bucket: opts.bucket,
    timeoutMs,
    engine: 'InfluxDB',
  })

  async function select(q: string): Promise<Row[]> {
    const params = new URLSearchParams({ db: opts.database ?? opts.bucket, epoch: 'ms', q })
    if (opts.retentionPolicy) params.set('rp', opts.retentionPolicy)
    return rowsOf(await http.request('/query', params))
  }
  const samples = (rows: Row[]) => rows.map(sampleOf).filter((s): s is Sample => s !== null)

  return {
    write: (points) => send(points),

    async range(datastreamId, q) {
      const [rows, counted] = await Promise.all([
        q.limit > 0 ? select(rangeQuery(datastreamId, q)) : [], // InfluxQL's LIMIT 0 means no limit
        select(countQuery(datastreamId, q)),
      ])
      return {
        items: samples(rows).map((s) => toPoint(datastreamId, s)),
        count: Number(counted[0]?.values.count ?? 0),
      }
    },

    async latest(datastreamIds) {
      const found = new Map<Id, SeriesPoint>()
      const wanted = new Set(datastreamIds)
      const unique = [...wanted]
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
        for (const row of await select(latestQuery(unique.slice(i, i + IDS_PER_QUERY)))) {
          const s = sampleOf(row)
          const id = Number(row.tags[TAG])
          if (s && wanted.has(id)) found.set(id, toPoint(id, s))
        }
      }
      return found
    },

    async first(datastreamIds) {
      const found = new Map<Id, string>()
      const wanted = new Set(datastreamIds)
      const unique = [...wanted]
      for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
        for (const row of await select(firstQuery(unique.slice(i, i + IDS_PER_QUERY)))) {
          const id = Number(row.tags[TAG])
          if (typeof row.values.time === 'number' && wanted.has(id)) found.set(id, isoOf(row.values.time))
        }
      }
      return found
    },

    async aggregate(datastreamId, q) {
      const rows = await select(aggregateQuery(datastreamId, q))
      return rows.flatMap((r) => {
        const [time, value] = [r.values.time, Object.entries(r.values).find(([c]) => c !== 'time')?.[1]]
        return typeof time === 'number' && typeof value === 'number' ? [{ start: isoOf(time), value }] : []
      })
    },

    async deleteSeries(datastreamIds) {
      const ids = [...new Set(datastreamIds)]
      if (opts.org) {
        // InfluxDB 2.x: the delete API, one tag per predicate (it has no OR)
        for (const id of ids)
          await http.postJson(
            `/api/v2/delete?${new URLSearchParams({ org: opts.org, bucket: opts.bucket })}`,
            {
              start: '1970-01-01T00:00:00Z',
              stop: '2262-04-11T00:00:00Z',
              predicate: `_measurement="${MEASUREMENT}" AND ${TAG}="${Math.trunc(id)}"`,
            },
          )
        return
      }
      // 1.x: InfluxQL
      for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
        const params = new URLSearchParams({
          db: opts.database ?? opts.bucket,
          q: dropSeriesQuery(ids.slice(i, i + IDS_PER_QUERY)),
        })
        await http.request('/query', params, 'POST')
      }
    },

    ping: () => http.health('/ping'),
    close: async () => {},
  }
}
