import type { Id, NewObservation, ObservationRecord, Page, PageRequest } from '@urbantwin/model'
import type { LatestObservation } from '../ports.ts'

/** A Datastream's newest Observation, and how many Observations the read went through. */
export type Latest = { observation: ObservationRecord; seen: number }

/** What one write stored for one Datastream (see LatestIndex.stored). */
export type StoredNewest = { latest: Latest; fromMs: number }

/**
 * Reads the newest Observation of each of `ids` that has one. With `sinceMs`, only Observations with
 * `phenomenonTime >= sinceMs` need to be considered (the caller knows nothing newer is older).
 */
export type LatestFetch = (ids: readonly Id[], sinceMs?: number) => Promise<Map<Id, Latest>>

const msOf = (iso: string) => Date.parse(iso)

/** Stale Datastreams refreshed by one read at most (one query's IN list). */
const MAX_REFRESH = 20_000

/**
 * The newest Observation per Datastream, kept in memory so that "latest value" reads (the
 * Masterportal `$expand=…Observations($top=1;$orderby=phenomenonTime desc)` pattern, map layers) do
 * not scan the time series. A Datastream is read from the store once; afterwards appends only mark
 * it stale with the range of newer phenomenonTimes they brought, and the next read fetches just the
 * stale Datastreams from that time on, which the store answers from its most recent data.
 *
 * A mark stays until a read sees the newest appended time: engines that make writes searchable
 * later (VictoriaMetrics indexes a new series first) are asked again rather than trusted too early.
 */
export class LatestIndex {
  /** null: the Datastream is known to have no Observation; `more`: it has older ones too. */
  private readonly known = new Map<Id, LatestObservation | null>()
  /** Datastreams with appended Observations newer than `known`, and the times they brought. */
  private readonly stale = new Map<Id, Mark>()
  /** Datastreams whose marks the refresh in progress took: a read of them waits for it. */
  private readonly refreshingIds = new Set<Id>()

  constructor(private readonly fetch: LatestFetch) {}

  /** Call after `obs` were stored (committed). */
  appended(obs: readonly NewObservation[]): void {
    for (const o of obs) {
      const ms = msOf(o.phenomenonTime)
      const current = this.known.get(o.datastreamId)
      if (current && ms <= msOf(current.observation.phenomenonTime)) {
        // an older one (not a replay of the newest): the newest now has a predecessor
        if (ms < msOf(current.observation.phenomenonTime)) current.more = true
        continue
      }
      this.mark(o.datastreamId, ms, ms)
    }
  }

  /**
   * Call after a write committed, with the newest Observation per Datastream among what it stored
   * (`seen`: how many it stored; `fromMs`: the oldest time among them), read in the write's own
   * transaction. A Datastream the index knows is brought up to date without a read; one it has not
   * loaded yet is marked as by `appended`.
   */
  stored(newest: readonly StoredNewest[]): void {
    for (const { latest: l, fromMs } of newest) {
      const id = l.observation.datastreamId
      const current = this.known.get(id)
      if (current === undefined) {
        this.mark(id, fromMs, t(l.observation))
        continue
      }
      if (current === null || t(l.observation) > t(current.observation))
        this.known.set(id, {
          observation: Object.freeze(l.observation),
          more: l.seen > 1 || current !== null,
        })
      else if (t(l.observation) < t(current.observation)) current.more = true
    }
  }

  private mark(id: Id, fromMs: number, toMs: number) {
    const mark = this.stale.get(id)
    this.stale.set(id, {
      fromMs: Math.min(mark?.fromMs ?? fromMs, fromMs),
      toMs: Math.max(mark?.toMs ?? toMs, toMs),
    })
  }

  /** Call after Observations of `ids` were deleted or changed: they are read in full next time. */
  forget(ids: Iterable<Id>): void {
    for (const id of ids) {
      this.known.delete(id)
      this.stale.delete(id)
    }
  }

  /** The newest Observation of each of `ids` that has one; `more` when it has older ones too. */
  async get(ids: readonly Id[]): Promise<Map<Id, LatestObservation>> {
    const unique = [...new Set(ids)]
    const missing = unique.filter((id) => !this.known.has(id))
    await Promise.all([missing.length > 0 ? this.load(missing) : undefined, this.refreshFor(unique)])
    const out = new Map<Id, LatestObservation>()
    for (const id of unique) {
      const o = this.known.get(id)
      if (o) out.set(id, o)
    }
    return out
  }

  /** The refresh in progress: concurrent reads wait for it rather than each reading the same again. */
  private refreshing: Promise<void> | null = null

  /**
   * Makes `ids` current. One stale Datastream asked for refreshes every stale one, so that a read
   * covers only what arrived since the previous one (under live ingest every Datastream is stale
   * within a second; one by one, each would be read from its own last read, minutes back). A read
   * waits for a refresh in progress, then refreshes again if that one started before its marks.
   */
  private async refreshFor(ids: readonly Id[]): Promise<void> {
    const stale = () =>
      ids.some((id) => this.known.has(id) && (this.stale.has(id) || this.refreshingIds.has(id)))
    for (let round = 0; round < 3 && stale(); round++) {
      if (this.refreshing) {
        await this.refreshing
        continue
      }
      this.refreshing = this.refreshAll().finally(() => (this.refreshing = null))
      await this.refreshing
      return
    }
  }

  private async refreshAll(): Promise<void> {
    const stale = [...this.stale.keys()].filter((id) => this.known.has(id)).slice(0, MAX_REFRESH)
    const marks = this.marksOf(stale)
    for (const id of stale) this.refreshingIds.add(id)
    let newer: Map<Id, Latest>
    try {
      newer = await this.fetch(stale, Math.min(...stale.map((id) => marks.get(id)!.fromMs)))
    } catch (err) {
      this.settle(marks)
      throw err
    } finally {
      this.refreshingIds.clear()
    }
    for (const id of stale) {
      const found = newer.get(id)
      const current = this.known.get(id)
      if (found && (!current || t(found.observation) >= t(current.observation)))
        this.known.set(id, {
          observation: Object.freeze(found.observation),
          more:
            found.seen > 1 ||
            (current ? t(found.observation) > t(current.observation) || current.more : false),
        })
    }
    this.settle(marks)
  }

  /** Reads Datastreams the index has not seen, in full. */
  private async load(missing: readonly Id[]): Promise<void> {
    const marks = this.marksOf(missing)
    let full: Map<Id, Latest>
    try {
      full = await this.fetch(missing)
    } catch (err) {
      this.settle(marks)
      throw err
    }
    for (const id of missing) {
      const found = full.get(id)
      if (!this.known.has(id))
        // frozen: the same record is handed out until it changes, and the API caches its JSON by it
        this.known.set(
          id,
          found ? { observation: Object.freeze(found.observation), more: found.seen > 1 } : null,
        )
    }
    this.settle(marks)
  }

  /**
   * Takes the marks of `ids` out for a read: appends during the read leave new marks of their own,
   * so each mark keeps covering only what no read has looked at yet.
   */
  private marksOf(ids: readonly Id[]) {
    const taken = new Map<Id, Mark>()
    for (const id of ids) {
      const mark = this.stale.get(id)
      if (!mark) continue
      taken.set(id, mark)
      this.stale.delete(id)
    }
    return taken
  }

  /**
   * After a read: a mark whose newest time the read did not see (an engine that indexes later, or a
   * read that failed) goes back, merged with any mark set meanwhile.
   */
  private settle(marks: ReadonlyMap<Id, Mark>): void {
    for (const [id, mark] of marks) {
      const now = this.known.get(id)
      if (now && t(now.observation) >= mark.toMs) continue
      const meanwhile = this.stale.get(id)
      this.stale.set(id, {
        fromMs: Math.min(mark.fromMs, meanwhile?.fromMs ?? mark.fromMs),
        toMs: Math.max(mark.toMs, meanwhile?.toMs ?? mark.toMs),
      })
    }
  }
}

const t = (o: ObservationRecord) => msOf(o.phenomenonTime)

/** The phenomenonTimes that appends brought and no read has looked at yet. */
type Mark = { fromMs: number; toMs: number }

/**
 * A page request only the latest-value index needs to answer: the newest Observation, no filter,
 * newest first (the default order, or `phenomenonTime desc` said explicitly), no exact count.
 */
export function isLatestOnly(p: PageRequest): boolean {
  if (p.top !== 1 || p.skip !== 0 || p.filter || p.count !== false) return false
  if (!p.orderBy?.length) return true
  const [first, ...rest] = p.orderBy
  return (
    rest.length === 0 &&
    first!.direction === 'desc' &&
    first!.expr.kind === 'property' &&
    first!.expr.path.length === 1 &&
    first!.expr.path[0] === 'phenomenonTime'
  )
}

/** The page `isLatestOnly` asked for; its count says whether more follow (see `Page`). */
export function latestPage(latest: LatestObservation | undefined): Page<ObservationRecord> {
  return latest ? { items: [latest.observation], count: latest.more ? 2 : 1 } : { items: [], count: 0 }
}
