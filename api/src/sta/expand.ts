import type {
  EntityQuery,
  ExpandItem,
  MultiDatastreamRecord,
  ObservedPropertyRecord,
  Page,
  PageRequest,
} from '@urbantwin/model'
import { UnsupportedQueryError, isLatestOnly, latestPage, pageOf, type Store } from '@urbantwin/store'
import { pageRequest, type QueryLimits } from './odata/parse.ts'
import { createFeatures } from './features.ts'
import {
  datastreamJson,
  extendable,
  featureOfInterestJson,
  historicalLocationJson,
  locationJson,
  multiDatastreamJson,
  ofMultiDatastream,
  observationJson,
  observedPropertyJson,
  select,
  sensorJson,
  thingJson,
  type Links,
} from './serialize.ts'

type Json = Record<string, unknown>
// serialisers of different entity types share one table: their item types are erased here
type ToJson = (l: Links, item: never) => Json
/**
 * A navigation property. `loadAll` loads it for a whole level of parents at once (one store call for
 * a page of Things, not one per Thing); it may decline a page request it cannot batch (null).
 */
type Nav =
  | {
      kind: 'one'
      to: ToJson
      load: (parent: never) => Promise<unknown>
      loadAll?: (parents: never[]) => Promise<unknown[]>
    }
  | {
      kind: 'many'
      to: ToJson
      load: (parent: never, page: PageRequest) => Promise<Page<unknown>>
      loadAll?: (parents: never[], page: PageRequest) => Promise<Page<unknown>[] | null>
    }

/** A navigation property that names no entity set here, or options it cannot take (400). */
export class ExpandError extends UnsupportedQueryError {}

const present = <T>(x: T | null): T[] => (x ? [x] : [])

/** A MultiDatastream's ObservedProperties, in the order of its results' elements. */
export async function observedPropertiesOf(
  store: Pick<Store, 'observedProperty'>,
  m: Pick<MultiDatastreamRecord, 'observedPropertyIds'>,
): Promise<ObservedPropertyRecord[]> {
  return (await Promise.all(m.observedPropertyIds.map((id) => store.observedProperty(id)))).flatMap(present)
}

/**
 * `$expand` (STA 9.3.2.1): related entities inline, each level with its own `$filter`, `$orderby`,
 * `$top`, `$skip`, `$count`, `$select` and `$expand`. A collection gets `<Nav>@iot.count` when
 * asked and `<Nav>@iot.nextLink` when more follow (without a nested filter or order, which a link
 * could not carry faithfully).
 */
export function createExpander(store: Store, limits: QueryLimits) {
  const one = <P, T>(
    to: (l: Links, t: T) => Json,
    load: (p: P) => Promise<T | null>,
    loadAll?: (parents: P[]) => Promise<(T | null)[]>,
  ): Nav => ({ kind: 'one', to, load, ...(loadAll ? { loadAll } : {}) }) as unknown as Nav
  const features = createFeatures(store)
  const many = <P, T>(
    to: (l: Links, t: T) => Json,
    load: (p: P, page: PageRequest) => Promise<Page<T>>,
    loadAll?: (parents: P[], page: PageRequest) => Promise<Page<T>[] | null>,
  ): Nav => ({ kind: 'many', to, load, ...(loadAll ? { loadAll } : {}) }) as unknown as Nav

  /**
   * Batches a Thing's related entities: all of them for the whole level in one call, then paged per
   * Thing in memory. Only without `$filter`/`$orderby`, whose navigation paths need the store.
   */
  const perThing =
    <T extends { thingId: number }>(loadFor: (thingIds: number[]) => Promise<T[]>) =>
    async (things: Thing[], page: PageRequest): Promise<Page<T>[] | null> => {
      if (page.filter || page.orderBy?.length) return null
      const byThing = new Map<number, T[]>()
      for (const x of await loadFor(things.map((t) => t.id))) {
        const list = byThing.get(x.thingId)
        if (list) list.push(x)
        else byThing.set(x.thingId, [x])
      }
      return things.map((t) => pageOf(byThing.get(t.id) ?? [], page))
    }
  type Thing = Parameters<typeof thingJson>[1]
  type Location = Parameters<typeof locationJson>[1]
  type Historical = Parameters<typeof historicalLocationJson>[1]
  type Datastream = Parameters<typeof datastreamJson>[1]
  type Observation = Parameters<typeof observationJson>[1]
  type Multi = Parameters<typeof multiDatastreamJson>[1]

  /** A (Multi)Datastream's Observations; the Masterportal pattern `$top=1;$orderby=phenomenonTime desc` from the index. */
  const observationsOfStream = many(
    observationJson,
    (d: { id: number }, p) => store.observations(d.id, p),
    async (ds: { id: number }[], p) => {
      if (!isLatestOnly(p)) return null
      const latest = await store.latestObservations(ds.map((d) => d.id))
      return ds.map((d) => latestPage(latest.get(d.id)))
    },
  )

  const NAVIGATION = new Map<ToJson, Record<string, Nav>>([
    [
      thingJson as ToJson,
      {
        Locations: many(
          locationJson,
          (t: Thing, p) => store.locations(p, t.id),
          perThing((ids) => store.locationsOfThings(ids)),
        ),
        HistoricalLocations: many(historicalLocationJson, (t: Thing, p) =>
          store.historicalLocations(p, { thingId: t.id }),
        ),
        Datastreams: many(
          datastreamJson,
          (t: Thing, p) => store.datastreams(p, { thingId: t.id }),
          perThing((ids) => store.datastreamsOfThings(ids)),
        ),
        MultiDatastreams: many(
          multiDatastreamJson,
          (t: Thing, p) => store.multiDatastreams(p, { thingId: t.id }),
          perThing((ids) => store.multiDatastreamsOfThings(ids)),
        ),
      },
    ],
    [
      locationJson as ToJson,
      {
        Things: many(thingJson, async (l: Location, p) => pageOf(present(await store.thing(l.thingId)), p)),
        HistoricalLocations: many(historicalLocationJson, (l: Location, p) =>
          store.historicalLocations(p, { locationId: l.id }),
        ),
      },
    ],
    [
      historicalLocationJson as ToJson,
      {
        Thing: one(thingJson, (h: Historical) => store.thing(h.thingId)),
        Locations: many(locationJson, async (h: Historical, p) =>
          pageOf(present(await store.location(h.locationId)), p),
        ),
      },
    ],
    [
      datastreamJson as ToJson,
      {
        Thing: one(thingJson, (d: Datastream) => store.thing(d.thingId)),
        Sensor: one(sensorJson, (d: Datastream) => store.sensor(d.sensorId)),
        ObservedProperty: one(observedPropertyJson, (d: Datastream) =>
          store.observedProperty(d.observedPropertyId),
        ),
        Observations: observationsOfStream,
      },
    ],
    [
      multiDatastreamJson as ToJson,
      {
        Thing: one(thingJson, (m: Multi) => store.thing(m.thingId)),
        Sensor: one(sensorJson, (m: Multi) => store.sensor(m.sensorId)),
        ObservedProperties: many(observedPropertyJson, async (m: Multi, p) =>
          pageOf(await observedPropertiesOf(store, m), p),
        ),
        Observations: observationsOfStream,
      },
    ],
    [
      sensorJson as ToJson,
      {
        Datastreams: many(datastreamJson, (x: { id: number }, p) => store.datastreams(p, { sensorId: x.id })),
        MultiDatastreams: many(multiDatastreamJson, (x: { id: number }, p) =>
          store.multiDatastreams(p, { sensorId: x.id }),
        ),
      },
    ],
    [
      observedPropertyJson as ToJson,
      {
        Datastreams: many(datastreamJson, (x: { id: number }, p) =>
          store.datastreams(p, { observedPropertyId: x.id }),
        ),
        MultiDatastreams: many(multiDatastreamJson, (x: { id: number }, p) =>
          store.multiDatastreams(p, { observedPropertyId: x.id }),
        ),
      },
    ],
    [
      observationJson as ToJson,
      {
        Datastream: one(datastreamJson, (o: Observation) =>
          ofMultiDatastream(o) ? Promise.resolve(null) : store.datastream(o.datastreamId),
        ),
        MultiDatastream: one(multiDatastreamJson, (o: Observation) =>
          ofMultiDatastream(o) ? store.multiDatastream(o.datastreamId) : Promise.resolve(null),
        ),
        FeatureOfInterest: one(
          featureOfInterestJson,
          async (o: Observation) => (await features.ofObservations([o]))[0] ?? null,
          (obs: Observation[]) => features.ofObservations(obs),
        ),
      },
    ],
    [
      featureOfInterestJson as ToJson,
      {
        Observations: many(
          observationJson,
          async (x: Location, p) => (await features.observationsOf(x.id, p)) ?? { items: [], count: 0 },
        ),
      },
    ],
  ])

  /** Nested paths (`Datastreams/Observations`) become one level with an `$expand` of the rest. */
  function levels(items: readonly ExpandItem[]): Map<string, EntityQuery> {
    const out = new Map<string, EntityQuery>()
    for (const item of items) {
      const [head, ...rest] = item.path
      if (head === undefined) continue
      const q = out.get(head) ?? {}
      if (rest.length === 0)
        out.set(head, { ...q, ...item.query, expand: [...(q.expand ?? []), ...(item.query.expand ?? [])] })
      else out.set(head, { ...q, expand: [...(q.expand ?? []), { path: rest, query: item.query }] })
    }
    return out
  }

  /**
   * A whole level at once: the items' JSON, then each navigation property loaded for all of them
   * (batched where the store can) and rendered as the next level, so a page of Things with their
   * Datastreams and latest Observations costs a few store calls, not a few per Thing.
   */
  async function renderAll(l: Links, to: ToJson, items: readonly unknown[], q: EntityQuery): Promise<Json[]> {
    const sel = q.select ? select(to as (l: Links, item: unknown) => Json, q.select) : null
    const full = items.map((item) => to(l, item as never))
    if (!q.expand?.length || items.length === 0) return sel ? full.map(sel) : full
    // $select makes new objects; the serialisers' own are shared and frozen: copies get the expansions
    const out = sel ? full.map(sel) : full.map(extendable)
    const navs = NAVIGATION.get(to) ?? {}
    for (const [name, nested] of levels(q.expand)) {
      const nav = navs[name]! // check() has refused unknown names before anything was loaded
      if (nav.kind === 'one') {
        const related = nav.loadAll
          ? await nav.loadAll(items as never[])
          : await Promise.all(items.map((item) => nav.load(item as never)))
        const found = related.filter((r) => r !== null && r !== undefined)
        const rendered = await renderAll(l, nav.to, found, nested)
        let next = 0
        related.forEach((r, i) => (out[i]![name] = r === null || r === undefined ? null : rendered[next++]))
        continue
      }
      const page = pageRequest(nested, limits.defaultTop)
      const pages =
        (await nav.loadAll?.(items as never[], page)) ??
        (await Promise.all(items.map((item) => nav.load(item as never, page))))
      const rendered = await renderAll(
        l,
        nav.to,
        pages.flatMap((p) => p.items),
        nested,
      )
      let next = 0
      pages.forEach((found, i) => {
        const json = out[i]!
        json[name] = rendered.slice(next, (next += found.items.length))
        if (nested.count) json[`${name}@iot.count`] = found.count
        if (
          page.skip + found.items.length < found.count &&
          page.top > 0 &&
          !nested.filter &&
          !nested.orderBy
        ) {
          const link = new URL(`${String(full[i]!['@iot.selfLink'])}/${name}`)
          link.searchParams.set('$top', String(page.top))
          link.searchParams.set('$skip', String(page.skip + page.top))
          json[`${name}@iot.nextLink`] = link.toString()
        }
      })
    }
    return out
  }

  /**
   * Refuses unknown `$select` names and navigation properties, and paging options on a single
   * entity, before anything is loaded: an empty page would not tell, and `render` relies on it.
   */
  function check(to: ToJson, q: EntityQuery): void {
    if (q.select) select(to as (l: Links, item: unknown) => Json, q.select)
    const navs = NAVIGATION.get(to) ?? {}
    for (const [name, nested] of levels(q.expand ?? [])) {
      const nav = navs[name]
      if (!nav)
        throw new ExpandError(
          `cannot expand ${name} here; this entity can expand ${Object.keys(navs).join(', ') || 'nothing yet'}`,
        )
      if (
        nav.kind === 'one' &&
        (nested.filter ||
          nested.orderBy ||
          nested.top !== undefined ||
          nested.skip !== undefined ||
          nested.count !== undefined)
      )
        throw new ExpandError(`${name} is a single entity: only $select and $expand apply to it`)
      check(nav.to, nested)
    }
  }

  return {
    check: <T>(to: (l: Links, item: T) => Json, q: EntityQuery) => check(to as ToJson, q),
    /** The entities' JSON with `$select` applied and their `$expand` items inline. */
    renderAll: <T>(l: Links, to: (l: Links, item: T) => Json, items: readonly T[], q: EntityQuery) =>
      renderAll(l, to as ToJson, items, q),
    /** One entity's JSON with `$select` applied and its `$expand` items inline. */
    render: async <T>(l: Links, to: (l: Links, item: T) => Json, item: T, q: EntityQuery) =>
      (await renderAll(l, to as ToJson, [item], q))[0]!,
  }
}
