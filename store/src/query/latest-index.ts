import type { Id, NewObservation, ObservationRecord, Page, PageRequest } from '@urbantwin/model'
import type { LatestObservation } from '../ports.ts'

/** A Datastream's newest Observation, and how many Observations the read went through. */
export type Latest = { observation: ObservationRecord; seen: number }

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
  /** Datastreams with appended Observations newer than `known`: their time range and a version. */
  private readonly stale = new Map<Id, { fromMs: number; toMs: number; version: number }>()
  private version = 0

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
      const mark = this.stale.get(o.datastreamId)
      this.stale.set(o.datastreamId, {
        fromMs: Math.min(mark?.fromMs ?? ms, ms),
        toMs: Math.max(mark?.toMs ?? ms, ms),
        version: ++this.version,
      })
    }
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
    // One stale Datastream asked for refreshes every stale one: the read then covers only what
    // arrived since the last read (under live ingest every Datastream is stale within a second, and
    // refreshing one by one would scan from each one's last read, minutes back).
    const asked = unique.filter((id) => this.known.has(id) && this.stale.has(id))
    const others = asked.length > 0 ? [...this.stale.keys()].filter((id) => this.known.has(id)) : []
    const stale = [...new Set([...asked, ...others.slice(0, MAX_REFRESH)])]
    const marks = new Map(
      [...new Set([...unique, ...stale])].flatMap((id) =>
        this.stale.has(id) ? [[id, this.stale.get(id)!] as const] : [],
      ),
    )
    const staleFrom = Math.min(...stale.map((id) => marks.get(id)!.fromMs))
    const [full, newer] = await Promise.all([
      missing.length > 0 ? this.fetch(missing) : new Map<Id, Latest>(),
      stale.length > 0 ? this.fetch(stale, staleFrom) : new Map<Id, Latest>(),
    ])
    const t = (o: ObservationRecord) => msOf(o.phenomenonTime)
    for (const id of missing) {
      const found = full.get(id)
      if (!this.known.has(id))
        this.known.set(id, found ? { observation: found.observation, more: found.seen > 1 } : null)
    }
    for (const id of stale) {
      const found = newer.get(id)
      const current = this.known.get(id)
      if (found && (!current || t(found.observation) >= t(current.observation)))
        this.known.set(id, {
          observation: found.observation,
          more:
            found.seen > 1 ||
            (current ? t(found.observation) > t(current.observation) || current.more : false),
        })
    }
    // a mark goes once its newest time was seen and nothing was appended meanwhile
    for (const [id, mark] of marks) {
      const now = this.known.get(id)
      if (this.stale.get(id)?.version === mark.version && now && t(now.observation) >= mark.toMs)
        this.stale.delete(id)
    }
    const out = new Map<Id, LatestObservation>()
    for (const id of unique) {
      const o = this.known.get(id)
      if (o) out.set(id, o)
    }
    return out
  }
}

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
