import type { Id, NewObservation, ObservationRecord, Page, PageRequest } from '@urbantwin/model'
import { UnsupportedOperationError, type LatestOfKind, type Store } from '../ports.ts'
import type { AggregateQuery, Bucket, SeriesPoint, TimeSeriesStore } from './port.ts'
import { isoOf, msOf } from './samples.ts'
import { isSeriesId } from './series-ids.ts'
import type { SeriesIds } from './series-id-blocks.ts'
import { UnsupportedQueryError, pageOf } from '../query/evaluate.ts'
import { timeBounds } from '../query/time-bounds.ts'
import { pinnedDatastream, withFilter } from '../query/pinned.ts'
import { LatestIndex, isLatestOnly, latestPage, type Latest } from '../query/latest-index.ts'

/** Observations a `$filter`/`$orderby` may read from a time-series engine for one request. */
const QUERY_IN_MEMORY_MAX = 200_000

/** A plain number without a resultQuality goes to the time-series engine; everything else stays. */
export function isSeriesObservation(o: NewObservation): o is NewObservation & { result: number } {
  return typeof o.result === 'number' && o.resultQuality === undefined
}

const newestFirst = (a: ObservationRecord, b: ObservationRecord) =>
  msOf(b.phenomenonTime) - msOf(a.phenomenonTime)

/**
 * A store whose numeric observations live in a time-series engine while the registry store keeps the
 * SensorThings entities and the observations that are no plain numbers (strings, booleans, JSON, and
 * numbers flagged with a resultQuality, whose text a TSDB would lose). Reads merge both by
 * phenomenonTime, newest first; ids of engine-held observations come from `SeriesIds`.
 */
export function withTimeSeries(registry: Store, ts: TimeSeriesStore, ids: SeriesIds): Store {
  async function records(points: readonly SeriesPoint[]): Promise<ObservationRecord[]> {
    const keys = points.map((p) => ({ datastreamId: p.datastreamId, ms: msOf(p.phenomenonTime) }))
    const assigned = await ids.idsOf(keys)
    return points.map((p, i) => ({ ...p, id: assigned[i]! }))
  }

  /**
   * The newest of the engine's and the registry's. An engine's latest query does not count, so a
   * Datastream with an Observation is taken to have older ones too (`seen: 2`).
   */
  const latest = new LatestIndex(async (ids) => {
    const [points, held] = await Promise.all([ts.latest(ids), registry.latestObservations(ids)])
    const found = new Map<Id, Latest>()
    const fromEngine = await records([...points.values()])
    for (const o of [...fromEngine, ...[...held.values()].map((h) => h.observation)]) {
      const current = found.get(o.datastreamId)?.observation
      if (!current || msOf(o.phenomenonTime) > msOf(current.phenomenonTime))
        found.set(o.datastreamId, { observation: o, seen: 2 })
    }
    return found
  })

  async function observations(datastreamId: Id, page: PageRequest): Promise<Page<ObservationRecord>> {
    if (isLatestOnly(page)) return latestPage((await latest.get([datastreamId])).get(datastreamId))
    if (page.filter || page.orderBy?.length) return queried(datastreamId, page)
    const held = await registry.observations(datastreamId, { top: page.skip + page.top, skip: 0 })
    if (held.count === 0) {
      const r = await ts.range(datastreamId, { limit: page.top, offset: page.skip, order: 'desc' })
      return { items: await records(r.items), count: r.count }
    }
    const r = await ts.range(datastreamId, { limit: page.skip + page.top, offset: 0, order: 'desc' })
    const merged = [...held.items, ...(await records(r.items))].sort(newestFirst) // stable: registry first on ties
    return { items: merged.slice(page.skip, page.skip + page.top), count: held.count + r.count }
  }

  /**
   * `$filter`/`$orderby` over both stores: what the filter's phenomenonTime window selects is read
   * (from the engine by time, from DuckDB by the filter itself), then filtered and ordered in memory.
   */
  async function queried(datastreamId: Id, page: PageRequest): Promise<Page<ObservationRecord>> {
    const { fromMs, toMs } = page.filter ? timeBounds(page.filter, 'phenomenonTime') : {}
    const window = {
      ...(fromMs !== undefined ? { from: isoOf(fromMs) } : {}),
      ...(toMs !== undefined ? { to: isoOf(toMs) } : {}),
    }
    const all = await ts.range(datastreamId, {
      ...window,
      limit: QUERY_IN_MEMORY_MAX,
      offset: 0,
      order: 'desc',
    })
    if (all.count > QUERY_IN_MEMORY_MAX)
      throw new UnsupportedQueryError(
        `this query would read ${all.count} observations of Datastream ${datastreamId}; narrow it to at most ${QUERY_IN_MEMORY_MAX} with a phenomenonTime range`,
      )
    const heldPage = { top: QUERY_IN_MEMORY_MAX, skip: 0, ...(page.filter ? { filter: page.filter } : {}) }
    const held = await registry.observations(datastreamId, heldPage)
    return pageOf([...held.items, ...(await records(all.items))].sort(newestFirst), page)
  }

  /**
   * The engine's buckets, merged with those of numbers the registry keeps (flagged with a
   * resultQuality), which are rare: only when there are any does an average cost two more queries.
   */
  async function aggregateObservations(datastreamId: Id, q: AggregateQuery): Promise<Bucket[]> {
    const held = await registry.aggregateObservations(datastreamId, { ...q, fn: 'count' })
    if (held.length === 0) return ts.aggregate(datastreamId, q)
    if (q.fn !== 'avg') {
      const [a, b] = await Promise.all([
        ts.aggregate(datastreamId, q),
        registry.aggregateObservations(datastreamId, q),
      ])
      const combine = {
        min: Math.min,
        max: Math.max,
        sum: (x: number, y: number) => x + y,
        count: (x: number, y: number) => x + y,
      }[q.fn]
      return mergeBuckets(a, b, combine)
    }
    const [sums, counts, heldSums] = await Promise.all([
      ts.aggregate(datastreamId, { ...q, fn: 'sum' }),
      ts.aggregate(datastreamId, { ...q, fn: 'count' }),
      registry.aggregateObservations(datastreamId, { ...q, fn: 'sum' }),
    ])
    const add = (x: number, y: number) => x + y
    const n = new Map(mergeBuckets(counts, held, add).map((b) => [b.start, b.value]))
    return mergeBuckets(sums, heldSums, add).map((b) => ({
      start: b.start,
      value: b.value / n.get(b.start)!,
    }))
  }

  async function observation(id: Id): Promise<ObservationRecord | null> {
    if (!isSeriesId(id)) return registry.observation(id)
    const key = await ids.keyOf(id)
    if (!key) return null
    const at = { from: isoOf(key.ms), to: isoOf(key.ms + 1) }
    const r = await ts.range(key.datastreamId, { ...at, limit: 1, offset: 0, order: 'asc' })
    const point = r.items[0]
    return point ? { ...point, id } : null
  }

  /** The registry's sites of a kind, with values from the latest-value index over both stores. */
  async function latestOfKind(kind: string, key: string): Promise<LatestOfKind[]> {
    const rows = await registry.latestOfKind(kind, key)
    const newest = await latest.get(rows.flatMap((r) => (r.datastreamId === null ? [] : [r.datastreamId])))
    return rows.map((r) => {
      const o = r.datastreamId === null ? undefined : newest.get(r.datastreamId)?.observation
      return o ? { ...r, result: o.result, phenomenonTime: o.phenomenonTime } : r
    })
  }

  /** Across Datastreams the engine would be asked for every series: only one pinned by the filter. */
  async function allObservations(page: PageRequest): Promise<Page<ObservationRecord>> {
    const pinned = pinnedDatastream(page.filter)
    if (!pinned)
      throw new UnsupportedOperationError(
        'Observations across all Datastreams are not listed from a time-series engine; name one with $filter=Datastream/@iot.id eq <id>, or read /Datastreams(<id>)/Observations',
      )
    return observations(pinned.id, withFilter(page, pinned.rest))
  }

  return {
    ...registry,
    allObservations,
    // the registry store's columns would miss the Observations the engine keeps
    observationColumns: undefined,
    async appendObservations(obs) {
      const points = pointsOf(obs)
      const rest = obs.filter((o) => !isSeriesObservation(o))
      if (points.length > 0) await ts.write(points)
      const kept = rest.length > 0 ? await registry.appendObservations(rest) : { inserted: 0 }
      latest.appended(obs)
      // Engines do not tell a replayed point from a new one: every point written counts as inserted.
      return { inserted: kept.inserted + points.length }
    },
    async createObservations(obs) {
      const points = pointsOf(obs)
      if (points.length > 0) await ts.write(points)
      const held = await registry.createObservations(obs.filter((o) => !isSeriesObservation(o)))
      const fromEngine = await records(points)
      latest.appended(obs)
      let s = 0
      let h = 0
      // engines do not tell a new point from a rewritten one: theirs count as created
      return obs.map((o) =>
        isSeriesObservation(o) ? { observation: fromEngine[s++]!, created: true } : held[h++]!,
      )
    },
    async remove(set, id, opts) {
      const going: Id[] = []
      const removed = await registry.remove(set, id, {
        datastreamsGoing: async (ids) => {
          await opts?.datastreamsGoing?.(ids)
          // the engine's series go first, inside the registry's transaction: if the engine refuses,
          // nothing is deleted; if the registry then failed, only points of doomed Datastreams are gone
          await ts.deleteSeries(ids)
          going.push(...ids)
        },
      })
      latest.forget(going)
      return removed
    },
    async patchObservation(id, values) {
      if (!isSeriesId(id)) return registry.patchObservation(id, values)
      if (!(await observation(id))) return null
      throw new UnsupportedOperationError(
        'this Observation is kept by the time-series engine, which does not change one point in place',
      )
    },
    async deleteObservation(id) {
      if (!isSeriesId(id)) return registry.deleteObservation(id)
      if (!(await observation(id))) return false
      throw new UnsupportedOperationError(
        'this Observation is kept by the time-series engine, which deletes whole series or time ranges, not one point',
      )
    },
    observations,
    observation,
    latestObservations: (ids) => latest.get(ids),
    async firstObservationTimes(ids) {
      const [engine, held] = await Promise.all([ts.first(ids), registry.firstObservationTimes(ids)])
      for (const [id, t] of held) {
        const e = engine.get(id)
        if (e === undefined || msOf(t) < msOf(e)) engine.set(id, t)
      }
      return engine
    },
    aggregateObservations,
    latestOfKind,
    async close() {
      await ts.close()
      await registry.close()
    },
  }
}

/** Buckets of two sources, those with the same start combined, oldest first. */
function mergeBuckets(a: readonly Bucket[], b: readonly Bucket[], combine: (x: number, y: number) => number) {
  const out = new Map(a.map((x) => [x.start, x.value]))
  for (const x of b) out.set(x.start, out.has(x.start) ? combine(out.get(x.start)!, x.value) : x.value)
  return [...out].map(([start, value]) => ({ start, value })).sort((x, y) => msOf(x.start) - msOf(y.start))
}

/** The observations a time-series engine keeps, as its points. */
function pointsOf(obs: readonly NewObservation[]): SeriesPoint[] {
  return obs.filter(isSeriesObservation).map((o) => ({
    datastreamId: o.datastreamId,
    phenomenonTime: o.phenomenonTime,
    resultTime: o.resultTime,
    result: o.result,
  }))
}
