import type {
  Expr,
  Id,
  LocationRecord,
  ObservationRecord,
  OrderBy,
  Page,
  PageRequest,
} from '@urbantwin/model'
import { pageOf, type Store } from '@urbantwin/store'

/**
 * FeaturesOfInterest (STA 8.2.8) are the Locations: as FROST does by default, an Observation's
 * FeatureOfInterest is where its Thing was when it was made (the Thing's HistoricalLocations; before
 * the first one, its first Location). Nothing is stored per Observation, so ids are Location ids.
 */

const time = (iso: string): Expr => ({ kind: 'literal', type: 'datetime', value: iso })
const prop = (name: string): Expr => ({ kind: 'property', path: [name] })
const bin = (op: string, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right }) as Expr
const NEWEST_FIRST: OrderBy[] = [{ expr: prop('phenomenonTime'), direction: 'desc' }]

/** A FeatureOfInterest query in Location terms: its `feature` is the Location's `location`. */
export function asLocationQuery(p: PageRequest): PageRequest {
  const rename = (e: Expr): Expr => {
    if (e.kind === 'property' && e.path[0] === 'feature')
      return { ...e, path: ['location', ...e.path.slice(1)] }
    const out: Record<string, unknown> = { ...e }
    for (const [k, v] of Object.entries(e))
      if (Array.isArray(v)) out[k] = v.map((x) => (isExpr(x) ? rename(x) : x))
      else if (isExpr(v)) out[k] = rename(v)
    return out as Expr
  }
  return {
    ...p,
    ...(p.filter ? { filter: rename(p.filter) } : {}),
    ...(p.orderBy ? { orderBy: p.orderBy.map((o) => ({ ...o, expr: rename(o.expr) })) } : {}),
  }
}

const isExpr = (x: unknown): x is Expr => typeof x === 'object' && x !== null && 'kind' in x

/** Where a Thing was: its HistoricalLocations, newest first. */
type History = { locationId: Id; ms: number }[]

export function createFeatures(store: Store) {
  async function historyOf(thingId: Id): Promise<History> {
    const page = await store.historicalLocations({ top: 10_000, skip: 0 }, { thingId })
    return page.items.map((h) => ({ locationId: h.locationId, ms: Date.parse(h.time) }))
  }

  const locationAt = (history: History, ms: number): Id | null =>
    (history.find((h) => h.ms <= ms) ?? history.at(-1))?.locationId ?? null

  /** The FeatureOfInterest of each Observation, in order; a few store calls for the whole list. */
  async function ofObservations(obs: readonly ObservationRecord[]): Promise<(LocationRecord | null)[]> {
    const streams = new Map<Id, Id | null>()
    await Promise.all(
      [...new Set(obs.map((o) => o.datastreamId))].map(async (id) =>
        // an Observation's datastreamId names a Datastream or a MultiDatastream (one id sequence)
        streams.set(
          id,
          (await store.datastream(id))?.thingId ?? (await store.multiDatastream(id))?.thingId ?? null,
        ),
      ),
    )
    const histories = new Map<Id, History>()
    await Promise.all(
      [...new Set([...streams.values()].filter((t): t is Id => t !== null))].map(async (t) =>
        histories.set(t, await historyOf(t)),
      ),
    )
    const at = obs.map((o) => {
      const thing = streams.get(o.datastreamId)
      return thing == null ? null : locationAt(histories.get(thing) ?? [], Date.parse(o.phenomenonTime))
    })
    const locations = new Map<Id, LocationRecord | null>()
    await Promise.all(
      [...new Set(at.filter((x): x is Id => x !== null))].map(async (id) =>
        locations.set(id, await store.location(id)),
      ),
    )
    return at.map((id) => (id === null ? null : (locations.get(id) ?? null)))
  }

  /**
   * The Observations whose FeatureOfInterest is Location `id`: those of its Thing's (Multi)Datastreams made
   * while the Thing was there, merged newest first (or as `$orderby` says). Null: no such Location.
   */
  async function observationsOf(id: Id, page: PageRequest): Promise<Page<ObservationRecord> | null> {
    const location = await store.location(id)
    if (!location) return null
    const history = await historyOf(location.thingId)
    const windows: Expr[] = []
    history.forEach((h, i) => {
      if (h.locationId !== id) return
      const from = i === history.length - 1 ? null : h.ms // before the first entry counts as the first place
      const to = i === 0 ? null : history[i - 1]!.ms
      const terms = [
        ...(from === null ? [] : [bin('ge', prop('phenomenonTime'), time(new Date(from).toISOString()))]),
        ...(to === null ? [] : [bin('lt', prop('phenomenonTime'), time(new Date(to).toISOString()))]),
      ]
      windows.push(
        terms.length === 0
          ? ({ kind: 'literal', type: 'boolean', value: true } as Expr)
          : terms.reduce((a, b) => bin('and', a, b)),
      )
    })
    if (windows.length === 0) return { items: [], count: 0 }
    const window = windows.reduce((a, b) => bin('or', a, b))
    const filter = page.filter ? bin('and', window, page.filter) : window
    const orderBy = page.orderBy?.length ? page.orderBy : NEWEST_FIRST
    const owner = { thingId: location.thingId }
    const streams = [
      ...(await store.datastreams({ top: 10_000, skip: 0 }, owner)).items,
      ...(await store.multiDatastreams({ top: 10_000, skip: 0 }, owner)).items,
    ]
    const pages = await Promise.all(
      streams.map((d) =>
        store.observations(d.id, {
          top: page.skip + page.top,
          skip: 0,
          filter,
          orderBy,
          count: page.count !== false,
        }),
      ),
    )
    const merged = pageOf(
      pages.flatMap((p) => p.items),
      { top: page.top, skip: page.skip, orderBy },
    )
    return { items: merged.items, count: pages.reduce((n, p) => n + p.count, 0) }
  }

  return { ofObservations, observationsOf }
}
