import { Router } from 'express'
import type { Id, LocationGeometry, Page, PageRequest } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'
import { JSON_LD_MEDIA_TYPE, catalogueJsonLd, type TimeRange } from '../sta/export/dcat.ts'
import { licenceHeaders, defaultOpenData, type OpenDataLicence } from '../sta/export/licence.ts'

export type CatalogueDeps = {
  store: Store
  openData?: OpenDataLicence
  /** Where the SensorThings API is mounted (`/v1.1`), for the distribution URLs. */
  staPath?: string
  /**
   * First and last phenomenonTime of Datastreams, for `dct:temporal`. The store port has no cheap
   * way to tell yet; without this the datasets carry no `dct:temporal`.
   */
  phenomenonTimes?: (datastreamIds: readonly Id[]) => Promise<ReadonlyMap<Id, TimeRange>>
}

/** Rows fetched per store call while walking a whole collection. */
const CHUNK = 1000

async function all<T>(load: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = []
  for (;;) {
    const page = await load({ top: CHUNK, skip: out.length })
    out.push(...page.items)
    if (page.items.length === 0 || out.length >= page.count) return out
  }
}

/** Each Thing's current position: the Location of its newest HistoricalLocation (the port lists newest first). */
async function places(store: Store): Promise<Map<Id, LocationGeometry>> {
  const locations = new Map((await all((p) => store.locations(p))).map((l) => [l.id, l.location]))
  const out = new Map<Id, LocationGeometry>()
  for (const h of await all((p) => store.historicalLocations(p))) {
    const at = locations.get(h.locationId)
    if (at && !out.has(h.thingId)) out.set(h.thingId, at)
  }
  return out
}

/**
 * `GET /v1.1/catalogue` (mounted inside the STA router, so it shares the STA read policy): the
 * DCAT-AP(.de) catalogue of the published Datastreams as JSON-LD (`application/ld+json`, or
 * `application/json` when a client asks only for that), with the licence headers of the exports.
 * Walks whole collections in chunks through the store port: about 10 calls for the ~2,700
 * Datastreams of the fleet.
 */
export function catalogueRouter(deps: CatalogueDeps): Router {
  const openData = deps.openData ?? defaultOpenData()
  const staPath = deps.staPath ?? '/v1.1'
  const router = Router()
  router.get('/', async (req, res) => {
    const origin = `${req.protocol}://${req.get('host')}`
    const datastreams = await all((p) => deps.store.datastreams(p))
    const observedProperties = await all((p) => deps.store.observedProperties(p))
    const doc = catalogueJsonLd({
      self: `${origin}${req.baseUrl}`,
      sta: `${origin}${staPath}`,
      openData,
      datastreams,
      observedProperties: new Map(observedProperties.map((o) => [o.id, o])),
      places: await places(deps.store),
      ...(deps.phenomenonTimes ? { times: await deps.phenomenonTimes(datastreams.map((d) => d.id)) } : {}),
    })
    for (const [name, value] of licenceHeaders(openData)) res.append(name, value)
    res.vary('Accept')
    const type = req.accepts(JSON_LD_MEDIA_TYPE, 'application/json') || JSON_LD_MEDIA_TYPE
    res.type(type).send(JSON.stringify(doc))
  })
  return router
}
