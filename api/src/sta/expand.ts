import type { EntityQuery, ExpandItem, Page, PageRequest } from '@urbantwin/model'
import { UnsupportedQueryError, pageOf, type Store } from '@urbantwin/store'
import { pageRequest, type QueryLimits } from './odata/parse.ts'
import {
  datastreamJson,
  historicalLocationJson,
  locationJson,
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
type Nav =
  | { kind: 'one'; to: ToJson; load: (parent: never) => Promise<unknown> }
  | { kind: 'many'; to: ToJson; load: (parent: never, page: PageRequest) => Promise<Page<unknown>> }

/** A navigation property that names no entity set here, or options it cannot take (400). */
export class ExpandError extends UnsupportedQueryError {}

const present = <T>(x: T | null): T[] => (x ? [x] : [])

/**
 * `$expand` (STA 9.3.2.1): related entities inline, each level with its own `$filter`, `$orderby`,
 * `$top`, `$skip`, `$count`, `$select` and `$expand`. A collection gets `<Nav>@iot.count` when
 * asked and `<Nav>@iot.nextLink` when more follow (without a nested filter or order, which a link
 * could not carry faithfully).
 */
export function createExpander(store: Store, limits: QueryLimits) {
  const one = <P, T>(to: (l: Links, t: T) => Json, load: (p: P) => Promise<T | null>): Nav =>
    ({ kind: 'one', to, load }) as unknown as Nav
  const many = <P, T>(
    to: (l: Links, t: T) => Json,
    load: (p: P, page: PageRequest) => Promise<Page<T>>,
  ): Nav => ({ kind: 'many', to, load }) as unknown as Nav
  type Thing = Parameters<typeof thingJson>[1]
  type Location = Parameters<typeof locationJson>[1]
  type Historical = Parameters<typeof historicalLocationJson>[1]
  type Datastream = Parameters<typeof datastreamJson>[1]
  type Observation = Parameters<typeof observationJson>[1]

  const NAVIGATION = new Map<ToJson, Record<string, Nav>>([
    [
      thingJson as ToJson,
      {
        Locations: many(locationJson, (t: Thing, p) => store.locations(p, t.id)),
        HistoricalLocations: many(historicalLocationJson, (t: Thing, p) =>
          store.historicalLocations(p, t.id),
        ),
        Datastreams: many(datastreamJson, (t: Thing, p) => store.datastreams(p, { thingId: t.id })),
      },
    ],
    [
      locationJson as ToJson,
      { Things: many(thingJson, async (l: Location, p) => pageOf(present(await store.thing(l.thingId)), p)) },
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
        Observations: many(observationJson, (d: Datastream, p) => store.observations(d.id, p)),
      },
    ],
    [
      sensorJson as ToJson,
      {
        Datastreams: many(datastreamJson, (x: { id: number }, p) => store.datastreams(p, { sensorId: x.id })),
      },
    ],
    [
      observedPropertyJson as ToJson,
      {
        Datastreams: many(datastreamJson, (x: { id: number }, p) =>
          store.datastreams(p, { observedPropertyId: x.id }),
        ),
      },
    ],
    [
      observationJson as ToJson,
      { Datastream: one(datastreamJson, (o: Observation) => store.datastream(o.datastreamId)) },
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

  async function render(l: Links, to: ToJson, item: unknown, q: EntityQuery): Promise<Json> {
    const json = to(l, item as never)
    const selected = q.select ? select(to as (l: Links, item: unknown) => Json, q.select)(json) : json
    return q.expand?.length ? expandInto(l, to, item, selected, q.expand) : selected
  }

  async function expandInto(l: Links, to: ToJson, item: unknown, json: Json, items: readonly ExpandItem[]) {
    const navs = NAVIGATION.get(to) ?? {}
    const out: Json = { ...json }
    for (const [name, q] of levels(items)) {
      const nav = navs[name]! // check() has refused unknown names before anything was loaded
      if (nav.kind === 'one') {
        const related = await (nav.load as (p: unknown) => Promise<unknown>)(item)
        out[name] = related ? await render(l, nav.to, related, q) : null
        continue
      }
      const page = pageRequest(q, limits.defaultTop)
      const found = await (nav.load as (p: unknown, page: PageRequest) => Promise<Page<unknown>>)(item, page)
      out[name] = await Promise.all(found.items.map((r) => render(l, nav.to, r, q)))
      if (q.count) out[`${name}@iot.count`] = found.count
      const self = json['@iot.selfLink'] ?? to(l, item as never)['@iot.selfLink']
      if (page.skip + found.items.length < found.count && page.top > 0 && !q.filter && !q.orderBy) {
        const next = new URL(`${String(self)}/${name}`)
        next.searchParams.set('$top', String(page.top))
        next.searchParams.set('$skip', String(page.skip + page.top))
        out[`${name}@iot.nextLink`] = next.toString()
      }
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
    /** The entity's JSON with `$select` applied and its `$expand` items inline. */
    render: <T>(l: Links, to: (l: Links, item: T) => Json, item: T, q: EntityQuery) =>
      render(l, to as ToJson, item, q),
  }
}
