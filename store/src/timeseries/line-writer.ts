import { HttpError, InfluxDB } from '@influxdata/influxdb-client'
import type { SeriesPoint } from './port.ts'
import { TimeSeriesError } from './port.ts'
import { toLine } from './line-protocol.ts'

export type LineWriterOptions = {
  /** Base URL; the client appends `/api/v2/write?org=…&bucket=…&precision=ms`. */
  url: string
  /** Sent as `Authorization: Token …` (InfluxDB 2.x/3.x; InfluxDB 1.8+ also accepts `user:password`). */
  token?: string
  org: string
  bucket: string
  /** Per request; a hung engine rejects after this long. */
  timeoutMs: number
  /** Extra headers, e.g. `Authorization: Basic …` for a VictoriaMetrics behind basic auth. */
  headers?: Record<string, string>
  /** Engine name for error messages. */
  engine: string
}

/** Lines per HTTP request. */
const LINES_PER_REQUEST = 5000

/** Statuses that mean "this data can never be accepted"; everything else may succeed later. */
const REFUSED_DATA = new Set([400, 413, 422])

/**
 * Writes through `@influxdata/influxdb-client` to `/api/v2/write`, resolving only after the engine
 * answered 204/201. Each call uses its own WriteApi with `maxRetries: 0` and an explicit flush, so the
 * client keeps nothing in memory: a failure rejects at once and our caller retries from its WAL.
 */
export function createLineWriter(opts: LineWriterOptions): (points: readonly SeriesPoint[]) => Promise<void> {
  const influx = new InfluxDB({
    url: opts.url,
    ...(opts.token ? { token: opts.token } : {}),
    timeout: opts.timeoutMs,
    ...(opts.headers ? { headers: opts.headers } : {}),
  })

  async function send(lines: string[]): Promise<void> {
    const api = influx.getWriteApi(opts.org, opts.bucket, 'ms', {
      batchSize: lines.length + 1, // never a background flush: the flush below sends everything
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 1000, // a safety net only: flush() below sends at once and clears the timer
      maxRetries: 0,
      // A rejected promise replaces the client's own console logging and reaches flush() below.
      writeFailed: (error: Error) => Promise.reject(error),
    })
    try {
      api.writeRecords(lines)
      await api.flush()
    } catch (err) {
      throw toTimeSeriesError(opts.engine, err)
    } finally {
      api.dispose()
    }
  }

  return async (points) => {
    const lines = points.map(toLine)
    for (let i = 0; i < lines.length; i += LINES_PER_REQUEST)
      await send(lines.slice(i, i + LINES_PER_REQUEST))
  }
}

function toTimeSeriesError(engine: string, err: unknown): TimeSeriesError {
  if (err instanceof HttpError) {
    const retriable = !REFUSED_DATA.has(err.statusCode)
    return new TimeSeriesError(
      `${engine} refused the write: HTTP ${err.statusCode} ${err.body ?? ''}`.trim(),
      {
        retriable,
        cause: err,
      },
    )
  }
  const message = err instanceof Error ? err.message : String(err)
  return new TimeSeriesError(`${engine} unreachable: ${message}`, { retriable: true, cause: err })
}
