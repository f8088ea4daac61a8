import type { Id } from '@urbantwin/model'

/**
 * One numeric observation as a time-series engine keeps it: the key is (Datastream, phenomenonTime),
 * times are ISO 8601 instants with millisecond precision (`2026-11-23T08:00:00.000Z`).
 * `resultQuality` is not part of a point: observations that carry one stay in the registry store
 * with their text (see `withTimeSeries`).
 */
export type SeriesPoint = {
  datastreamId: Id
  phenomenonTime: string
  resultTime: string
  result: number
}

/** Bounds are half-open: `from <= phenomenonTime < to`; either may be left out. */
export type RangeQuery = {
  from?: string
  to?: string
  limit: number
  offset: number
  order: 'asc' | 'desc'
}

export const AGGREGATE_FNS = ['avg', 'min', 'max', 'sum', 'count'] as const
export type AggregateFn = (typeof AGGREGATE_FNS)[number]

/**
 * Fixed, epoch-aligned buckets `[k·intervalMs, (k+1)·intervalMs)` over the points in `[from, to)`.
 * A bucket is labelled by its aligned start, which may lie before `from` when `from` is not aligned.
 */
export type AggregateQuery = {
  from: string
  to: string
  intervalMs: number
  fn: AggregateFn
}

export type Bucket = { start: string; value: number }

export type Health = { ok: true } | { ok: false; reason: string }

/** The time-series port: numeric observations per Datastream. */
export type TimeSeriesStore = {
  /**
   * Stores points; the same Datastream and phenomenonTime written twice is one point.
   * Resolves only after the engine acknowledged; rejects (with a `TimeSeriesError`) so the caller can retry.
   */
  write(points: readonly SeriesPoint[]): Promise<void>
  range(datastreamId: Id, q: RangeQuery): Promise<{ items: SeriesPoint[]; count: number }>
  /** The newest point of each Datastream that has one. */
  latest(datastreamIds: readonly Id[]): Promise<Map<Id, SeriesPoint>>
  /** The phenomenonTime (ISO 8601) of the oldest point of each Datastream that has one. */
  first(datastreamIds: readonly Id[]): Promise<Map<Id, string>>
  /** Non-empty buckets only, oldest first. */
  aggregate(datastreamId: Id, q: AggregateQuery): Promise<Bucket[]>
  /**
   * Deletes every point of these Datastreams (their Datastreams are being deleted); rejects with a
   * `TimeSeriesError` when the engine did not, so the caller can leave the registry as it was.
   */
  deleteSeries(datastreamIds: readonly Id[]): Promise<void>
  ping(): Promise<Health>
  close(): Promise<void>
}

/**
 * An engine refused or could not be reached. `retriable` is false when resending the same points
 * cannot succeed (HTTP 4xx other than 408/429, a point the engine would silently drop).
 */
export class TimeSeriesError extends Error {
  readonly retriable: boolean
  constructor(message: string, opts: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause })
    this.name = 'TimeSeriesError'
    this.retriable = opts.retriable
  }
}
