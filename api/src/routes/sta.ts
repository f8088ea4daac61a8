import { Router, type Request, type Response } from 'express'
import type {
  DatastreamRecord,
  Id,
  ObservationColumns,
  ObservationRecord,
  Page,
  PageRequest,
} from '@urbantwin/model'
import { HttpError } from '../http/errors.ts'
import { parse } from '../http/parse.ts'
import { ENTITY_SETS, EntityId } from '../sta/query.ts'
import { pageOf, type RegistrySet, type Store } from '@urbantwin/store'
import {
  QueryError,
  pageRequest,
  parseQuery,
  type AggregateOption,
  type RequestQuery,
} from '../sta/odata/parse.ts'
import { aggregateJson } from '../sta/aggregate.ts'
import {
  checkStream,
  createRows,
  observationFrom,
  observationPatchFrom,
  resultProblem,
  type StreamCheck,
  type StreamRef,
} from '../sta/write/observations.ts'
import { CREATABLE_SETS, createFrom, patchFrom, type CreatableSet } from '../sta/write/entities.ts'
import { createExpander, observedPropertiesOf } from '../sta/expand.ts'
import { asLocationQuery, createFeatures } from '../sta/features.ts'
import { catalogueRouter } from './catalogue.ts'
import { sendObservationPage } from '../sta/observation-bytes.ts'
import { exportCollection } from '../sta/export/collection.ts'
import {
  defaultOpenData,
  sourceHeaders,
  sourceLicence,
  withSource,
  type OpenDataLicence,
} from '../sta/export/licence.ts'
import {
  collectionJson,
  collectionHeadText,
  dataArrayJson,
  datastreamJson,
  featureOfInterestJson,
  historicalLocationJson,
  jsonText,
  locationJson,
  multiDatastreamJson,
  ofMultiDatastream,
  observationJson,
  observedPropertyJson,
  propertyNames,
  sensorJson,
  thingJson,
  type Links,
} from '../sta/serialize.ts'

const present = <T>(x: T | null): T[] => (x ? [x] : [])

/** Entities and collections: written with the serialisers' cached text (see jsonText). */
function sendJson(res: Response, body: unknown) {
  res.type('application/json').send(jsonText(body))
}

export type StaDeps = {
  store: Store
  maxTop: number
  maxExpandDepth?: number
  /** Licence and attribution of the exports; dl-de/by-2-0, "UrbanTwin – Urban Data Platform" when absent. */
  openData?: OpenDataLicence
  /** The broker's TCP port, for the service root's MQTT endpoints. */
  mqttPort?: number
  /** Observations created through the API (POST, CreateObservations), for live feeds (MQTT). */
  onObservationsCreated?: (created: readonly ObservationRecord[]) => void
}

/** The standard's conformance classes (OGC 18-088 Annex A) this API meets: identifiers, not fetched. */
const REQ = 'http://www.opengis.net/spec/iot_sensing/1.1/req'
const MQTT_CREATE = `${REQ}/create-observations-via-mqtt/observations-creation`
const CONFORMANCE = [
  `${REQ}/datamodel`,
  `${REQ}/resource-path/resource-path-to-entities`,
  `${REQ}/request-data`,
  `${REQ}/create-update-delete`,
  `${REQ}/batch-request/batch-request`,
  `${REQ}/multi-datastream`,
  `${REQ}/data-array/data-array`,
  MQTT_CREATE,
  `${REQ}/receive-updates-via-mqtt/receive-updates`,
]

/**
 * Root of the service (STA 9.2.1): entity sets and server settings, with the broker's endpoints for
 * the MQTT extension (its TCP port on the host the client asked, and the WebSocket beside the API).
 */
function serviceRoot(req: Request, base: string, mqttPort: number | undefined) {
  const host = req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname
  const ws = `${req.protocol === 'https' ? 'wss' : 'ws'}://${req.get('host')}/mqtt`
  const endpoints = { endpoints: [...(mqttPort ? [`mqtt://${host}:${mqttPort}`] : []), ws] }
  return {
    value: ENTITY_SETS.map((name) => ({ name, url: `${base}/${name}` })),
    serverSettings: {
      conformance: CONFORMANCE,
      [MQTT_CREATE]: endpoints,
      [`${REQ}/receive-updates-via-mqtt/receive-updates`]: endpoints,
    },
  }
}

/** A page of Observations column by column (Store.observationColumns). */
type ColumnsPage = { columns: ObservationColumns; count: number }

/** SensorThings API v1.1 read routes. Paths escape `(` `)` for path-to-regexp 8. */
export function staRouter(deps: StaDeps): Router {
  const { store } = deps
  const limits = {
    defaultTop: Math.min(100, deps.maxTop),
    maxTop: deps.maxTop,
    maxExpandDepth: deps.maxExpandDepth ?? 4,
  }
  const expander = createExpander(store, limits)
  const router = Router()
  const links = (req: Request): Links => ({ base: `${req.protocol}://${req.get('host')}${req.baseUrl}` })
  const url = (req: Request) => new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`)
  const idOf = (req: Request): Id => parse(EntityId, req.params, 'entity id').id

  /** The request's query options (a QueryError is a 400, see errors.ts). */
  const queryOf = (req: Request, aggregates = false): RequestQuery => {
    const q = parseQuery(url(req).searchParams, limits)
    if (q.aggregate && !aggregates)
      throw new QueryError(
        '$aggregate',
        'applies to the Observations of one Datastream: /Datastreams(id)/Observations',
      )
    return q
  }

  /**
   * `aggregate`: `$aggregate` of Observations (sta/aggregate.ts). `loadColumns`: a page of
   * Observations column by column, for requests without `$select`, `$expand` and `$resultFormat`;
   * null when the parent is missing, undefined to load records instead.
   */
  function collection<T>(
    path: string,
    load: (req: Request, page: PageRequest) => Promise<Page<T> | null>,
    toJson: (l: Links, item: T) => Record<string, unknown>,
    more: {
      aggregate?: (req: Request, q: RequestQuery & { aggregate: AggregateOption }) => Promise<unknown>
      loadColumns?: (req: Request, page: PageRequest) => Promise<ColumnsPage | null | undefined>
    } = {},
  ) {
    const { aggregate, loadColumns } = more
    const pageFor = async (req: Request, q: RequestQuery) => {
      const page = await load(req, pageRequest(q, limits.defaultTop))
      if (!page) throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
      return page
    }
    // STA 9.2.6: `/$ref` lists the entities' addresses only
    router.get(`${path}/\\$ref`, async (req, res) => {
      const q = queryOf(req)
      const page = await pageFor(req, q)
      const l = links(req)
      res.json(
        collectionJson(page, q, url(req), (item) => ({ '@iot.selfLink': toJson(l, item)['@iot.selfLink'] })),
      )
    })
    router.get(path, async (req, res) => {
      const q = queryOf(req, aggregate !== undefined)
      if (aggregate && q.aggregate)
        return void res.json(await aggregate(req, { ...q, aggregate: q.aggregate }))
      if (!q.resultFormat) expander.check(toJson, q)
      if (loadColumns && !q.resultFormat && !q.select && !q.expand?.length) {
        const page = await loadColumns(req, pageRequest(q, limits.defaultTop))
        if (page === null) throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
        if (page) {
          const head = collectionHeadText(page.columns.length, page.count, q, url(req))
          return sendObservationPage(res, head, links(req), page.columns)
        }
      }
      const page = await pageFor(req, q)
      const l = links(req)
      if (q.resultFormat) {
        if (q.resultFormat !== 'dataArray') {
          // open-data exports: $select/$expand go through the expander, then are flattened (export/)
          expander.check(toJson, q)
          const out = await exportCollection({
            format: q.resultFormat,
            toJson,
            page,
            q,
            requestUrl: url(req),
            renderAll: (items) => expander.renderAll(l, toJson, items, q),
            locationsOfThings: (ids) => store.locationsOfThings(ids),
            openData: withSource(
              deps.openData ?? defaultOpenData(),
              (res.locals.source as ReturnType<typeof sourceLicence> | undefined) ?? null,
            ),
          })
          // one attribution: the export's names the source too (withSource), so it replaces the source's
          for (const [name, value] of out.headers)
            if (name === 'X-Attribution') res.set(name, value)
            else res.append(name, value)
          res.type(out.contentType).send(out.body)
          return
        }
        if (toJson !== (observationJson as unknown))
          throw new HttpError(
            400,
            'BAD_REQUEST',
            `$resultFormat=dataArray applies to the Observations of a (Multi)Datastream, not to ${req.path}`,
          )
        const set = req.path.startsWith('/MultiDatastreams') ? 'MultiDatastreams' : 'Datastreams'
        res.json(dataArrayJson(l, { set, id: idOf(req) }, page as Page<ObservationRecord>, q, url(req)))
        return
      }
      const items = await expander.renderAll(l, toJson, page.items, q)
      sendJson(
        res,
        collectionJson({ items, count: page.count }, q, url(req), (json) => json),
      )
    })
  }

  function single<T>(
    path: string,
    load: (id: Id) => Promise<T | null>,
    toJson: (l: Links, item: T) => Record<string, unknown>,
  ) {
    const found = async (req: Request) => {
      const item = await load(idOf(req))
      if (!item) throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
      return item
    }
    router.get(path, async (req, res) => {
      const q = queryOf(req)
      expander.check(toJson, q)
      sendJson(res, await expander.render(links(req), toJson, await found(req), q))
    })
    // STA 9.2.4 and 9.2.5: one property (`/Things(1)/name`) and its raw value (`/name/$value`)
    const property = (req: Request): string | null => {
      const name = String(req.params.property)
      return propertyNames(toJson).includes(name) ? name : null
    }
    router.get(`${path}/:property`, async (req, res, next) => {
      const name = property(req)
      if (!name) return next()
      res.json({ [name]: toJson(links(req), await found(req))[name] ?? null })
    })
    router.get(`${path}/:property/\\$value`, async (req, res, next) => {
      const name = property(req)
      if (!name) return next()
      const value = toJson(links(req), await found(req))[name]
      if (value === undefined || value === null) return void res.status(204).end()
      if (typeof value === 'object') return void res.json(value)
      res.type('text/plain').send(String(value))
    })
    // STA 9.2.6: the entity's address only
    router.get(`${path}/\\$ref`, async (req, res) => {
      res.json({ '@iot.selfLink': toJson(links(req), await found(req))['@iot.selfLink'] })
    })
  }

  /** An entity's single related entity (STA 9.2.3: navigation to an entity), e.g. `/Datastreams(1)/Thing`. */
  function related<P, T>(
    path: string,
    loadParent: (id: Id) => Promise<P | null>,
    load: (parent: P) => Promise<T | null>,
    toJson: (l: Links, item: T) => Record<string, unknown>,
  ) {
    single(
      path,
      async (id) => {
        const parent = await loadParent(id)
        return parent ? load(parent) : null
      },
      toJson,
    )
  }

  router.get('/', (req, res) => {
    res.json(serviceRoot(req, links(req).base, deps.mqttPort))
  })

  /**
   * Data with its own licence (the imported statistics, what is derived from them): every response of
   * the (Multi)Datastream, its Observations and their exports says so in headers (sourceHeaders), and
   * exports add the attribution to theirs. `res.locals.source` keeps it for the export.
   */
  router.use(/^\/(Multi)?Datastreams\((\d+)\)/, async (req, res, next) => {
    const [multi, digits] = [req.params[0], Number(req.params[1])]
    const stream = Number.isSafeInteger(digits)
      ? multi
        ? await store.multiDatastream(digits)
        : await store.datastream(digits)
      : null
    const source = sourceLicence(stream?.properties)
    if (source) {
      res.locals.source = source
      for (const [name, value] of sourceHeaders(source)) res.append(name, value)
    }
    next()
  })
  router.use('/catalogue', catalogueRouter(deps))

  /** Observations column by column, of the (Multi)Datastream in the path, or of all (null). */
  const columnsPageOf =
    (parent: ((id: Id) => Promise<unknown>) | null) =>
    async (req: Request, p: PageRequest): Promise<ColumnsPage | null | undefined> => {
      if (!store.observationColumns) return undefined
      const id = parent ? idOf(req) : null
      // the parent is looked up only for pages the store answers so (not for the latest alone)
      const page = await store.observationColumns(id, p)
      if (!page) return undefined
      if (parent && !(await parent(id!))) return null
      return page
    }

  collection('/Things', (_req, p) => store.things(p), thingJson)
  single('/Things\\(:id\\)', (id) => store.thing(id), thingJson)
  collection(
    '/Things\\(:id\\)/Datastreams',
    async (req, p) => ((await store.thing(idOf(req))) ? store.datastreams(p, { thingId: idOf(req) }) : null),
    datastreamJson,
  )
  collection(
    '/Things\\(:id\\)/Locations',
    async (req, p) => ((await store.thing(idOf(req))) ? store.locations(p, idOf(req)) : null),
    locationJson,
  )
  collection(
    '/Things\\(:id\\)/HistoricalLocations',
    async (req, p) =>
      (await store.thing(idOf(req))) ? store.historicalLocations(p, { thingId: idOf(req) }) : null,
    historicalLocationJson,
  )
  collection('/HistoricalLocations', (_req, p) => store.historicalLocations(p), historicalLocationJson)
  single('/HistoricalLocations\\(:id\\)', (id) => store.historicalLocation(id), historicalLocationJson)
  related(
    '/HistoricalLocations\\(:id\\)/Thing',
    (id) => store.historicalLocation(id),
    (h) => store.thing(h.thingId),
    thingJson,
  )
  collection(
    '/HistoricalLocations\\(:id\\)/Locations',
    async (req, p) => {
      const h = await store.historicalLocation(idOf(req))
      if (!h) return null
      const loc = await store.location(h.locationId)
      return pageOf(present(loc), p)
    },
    locationJson,
  )
  collection('/Locations', (_req, p) => store.locations(p), locationJson)
  single('/Locations\\(:id\\)', (id) => store.location(id), locationJson)
  collection(
    '/Locations\\(:id\\)/Things',
    async (req, p) => {
      const l = await store.location(idOf(req))
      return l ? pageOf(present(await store.thing(l.thingId)), p) : null
    },
    thingJson,
  )
  collection(
    '/Locations\\(:id\\)/HistoricalLocations',
    async (req, p) =>
      (await store.location(idOf(req))) ? store.historicalLocations(p, { locationId: idOf(req) }) : null,
    historicalLocationJson,
  )
  collection('/Datastreams', (_req, p) => store.datastreams(p), datastreamJson)
  single('/Datastreams\\(:id\\)', (id) => store.datastream(id), datastreamJson)
  const fromDatastream = <T>(
    nav: string,
    load: (d: DatastreamRecord) => Promise<T | null>,
    toJson: (l: Links, item: T) => Record<string, unknown>,
  ) => related(`/Datastreams\\(:id\\)/${nav}`, (id) => store.datastream(id), load, toJson)
  fromDatastream('Thing', (d) => store.thing(d.thingId), thingJson)
  fromDatastream('Sensor', (d) => store.sensor(d.sensorId), sensorJson)
  fromDatastream(
    'ObservedProperty',
    (d) => store.observedProperty(d.observedPropertyId),
    observedPropertyJson,
  )
  // STA 8.2.9: MultiDatastreams, their related entities, and Things', Sensors' and ObservedProperties'
  collection('/MultiDatastreams', (_req, p) => store.multiDatastreams(p), multiDatastreamJson)
  single('/MultiDatastreams\\(:id\\)', (id) => store.multiDatastream(id), multiDatastreamJson)
  related(
    '/MultiDatastreams\\(:id\\)/Thing',
    (id) => store.multiDatastream(id),
    (m) => store.thing(m.thingId),
    thingJson,
  )
  related(
    '/MultiDatastreams\\(:id\\)/Sensor',
    (id) => store.multiDatastream(id),
    (m) => store.sensor(m.sensorId),
    sensorJson,
  )
  collection(
    '/MultiDatastreams\\(:id\\)/ObservedProperties',
    async (req, p) => {
      const m = await store.multiDatastream(idOf(req))
      return m ? pageOf(await observedPropertiesOf(store, m), p) : null
    },
    observedPropertyJson,
  )
  collection(
    '/MultiDatastreams\\(:id\\)/Observations',
    async (req, p) => ((await store.multiDatastream(idOf(req))) ? store.observations(idOf(req), p) : null),
    observationJson,
    { loadColumns: columnsPageOf((id) => store.multiDatastream(id)) },
  )
  for (const [parent, exists, of] of [
    ['Things', (id: Id) => store.thing(id), (id: Id) => ({ thingId: id })],
    ['Sensors', (id: Id) => store.sensor(id), (id: Id) => ({ sensorId: id })],
    ['ObservedProperties', (id: Id) => store.observedProperty(id), (id: Id) => ({ observedPropertyId: id })],
  ] as const)
    collection(
      `/${parent}\\(:id\\)/MultiDatastreams`,
      async (req, p) => ((await exists(idOf(req))) ? store.multiDatastreams(p, of(idOf(req))) : null),
      multiDatastreamJson,
    )
  // STA 10.2 and 14.4: creating Observations (the security middleware has checked the key's permission)
  const createOne = async (req: Request, res: Response, path: StreamRef | null) => {
    const { stream, observation: o } = observationFrom(req.body, path, new Date())
    const target = await checkStream(store, stream)
    if (!target.exists)
      throw path
        ? new HttpError(404, 'NOT_FOUND', target.message)
        : new HttpError(400, 'BAD_REQUEST', target.message)
    const problem = resultProblem(o.result, target.multi)
    if (problem) throw new HttpError(400, 'BAD_REQUEST', problem)
    const [r] = await store.createObservations([o])
    const json = observationJson(links(req), r!.observation)
    if (!r!.created)
      throw new HttpError(
        409,
        'CONFLICT',
        `${stream.set.slice(0, -1)} ${o.datastreamId} already has an Observation at ${o.phenomenonTime}`,
        { '@iot.selfLink': json['@iot.selfLink'] },
      )
    deps.onObservationsCreated?.([r!.observation])
    res.status(201).location(String(json['@iot.selfLink'])).json(json)
  }
  for (const set of ['Datastreams', 'MultiDatastreams'] as const)
    router.post(`/${set}\\(:id\\)/Observations`, (req, res) => createOne(req, res, { set, id: idOf(req) }))
  router.post('/Observations', (req, res) => createOne(req, res, null))
  router.post('/CreateObservations', async (req, res) => {
    const rows = createRows(req.body, new Date())
    // a row is stored when its stream exists and its result fits it; otherwise it is "error"
    const streams = new Map<string, StreamCheck>()
    const fits = async (r: (typeof rows)[number]) => {
      if (!r.observation) return false
      const key = `${r.stream.set}(${r.stream.id})`
      let target = streams.get(key)
      if (!target) {
        target = await checkStream(store, r.stream)
        streams.set(key, target)
      }
      return target.exists && resultProblem(r.observation.result, target.multi) === null
    }
    const ok: boolean[] = []
    for (const r of rows) ok.push(await fits(r))
    const valid = rows.flatMap((r, i) => (ok[i] && r.observation ? [r.observation] : []))
    const stored = await store.createObservations(valid)
    deps.onObservationsCreated?.(stored.filter((s) => s.created).map((s) => s.observation))
    const l = links(req)
    let next = 0
    // one entry per row, in order: the Observation's address (also when it existed), or "error"
    res
      .status(201)
      .json(
        rows.map((_r, i) =>
          ok[i] ? observationJson(l, stored[next++]!.observation)['@iot.selfLink'] : 'error',
        ),
      )
  })
  /** A MultiDatastream keeps one unit and one observation type per ObservedProperty (STA 8.2.9.2). */
  const keepsLengths = async (id: Id, values: Record<string, unknown>) => {
    const m = await store.multiDatastream(id)
    if (!m) return // the PATCH answers 404
    for (const key of ['unitOfMeasurements', 'multiObservationDataTypes'] as const) {
      const list = values[key] as unknown[] | undefined
      if (list && list.length !== m.observedPropertyIds.length)
        throw new HttpError(
          400,
          'BAD_REQUEST',
          `${key} has ${list.length} entries; MultiDatastream ${id} has ${m.observedPropertyIds.length} ObservedProperties`,
        )
    }
  }
  // STA 10.3 and 10.4: change and delete registry entities (deletion cascades, see Registry.remove)
  const writable: [
    RegistrySet,
    (l: Links, item: never) => Record<string, unknown>,
    (id: Id) => Promise<unknown>,
  ][] = [
    ['Things', thingJson, (id) => store.thing(id)],
    ['Locations', locationJson, (id) => store.location(id)],
    ['HistoricalLocations', historicalLocationJson, (id) => store.historicalLocation(id)],
    ['Datastreams', datastreamJson, (id) => store.datastream(id)],
    ['MultiDatastreams', multiDatastreamJson, (id) => store.multiDatastream(id)],
    ['Sensors', sensorJson, (id) => store.sensor(id)],
    ['ObservedProperties', observedPropertyJson, (id) => store.observedProperty(id)],
  ]
  for (const [set, toJson, load] of writable) {
    router.patch(`/${set}\\(:id\\)`, async (req, res) => {
      const values = patchFrom(set, req.body)
      if (set === 'MultiDatastreams') await keepsLengths(idOf(req), values)
      if (!(await store.patch(set, idOf(req), values)))
        throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
      res.json(toJson(links(req), (await load(idOf(req))) as never))
    })
    // STA 10.2: create, with related entities inline or linked by id (deep insert)
    if ((CREATABLE_SETS as readonly string[]).includes(set))
      router.post(`/${set}`, async (req, res) => {
        const id = await store.create(createFrom(set as CreatableSet, req.body))
        const json = toJson(links(req), (await load(id)) as never)
        res.status(201).location(String(json['@iot.selfLink'])).json(json)
      })
    router.delete(`/${set}\\(:id\\)`, async (req, res) => {
      if (!(await store.remove(set, idOf(req))))
        throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
      res.status(200).end()
    })
  }
  // STA 10.2.1.2: create a related entity through a navigation path, which links it to the parent
  const throughParent: [string, CreatableSet, (id: Id) => Promise<unknown>, string, (id: Id) => unknown][] = [
    ['Things', 'Datastreams', (id) => store.thing(id), 'Thing', (id) => ({ '@iot.id': id })],
    ['Things', 'Locations', (id) => store.thing(id), 'Things', (id) => [{ '@iot.id': id }]],
    ['Things', 'MultiDatastreams', (id) => store.thing(id), 'Thing', (id) => ({ '@iot.id': id })],
    ['Sensors', 'MultiDatastreams', (id) => store.sensor(id), 'Sensor', (id) => ({ '@iot.id': id })],
    ['Sensors', 'Datastreams', (id) => store.sensor(id), 'Sensor', (id) => ({ '@iot.id': id })],
    [
      'ObservedProperties',
      'Datastreams',
      (id) => store.observedProperty(id),
      'ObservedProperty',
      (id) => ({ '@iot.id': id }),
    ],
  ]
  for (const [parent, set, exists, link, linkTo] of throughParent) {
    const [, toJson, load] = writable.find(([s]) => s === set)!
    router.post(`/${parent}\\(:id\\)/${set}`, async (req, res) => {
      const id = idOf(req)
      if (!(await exists(id)))
        throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path.replace(/\/[^/]*$/, '')}`)
      const body: unknown = req.body
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new HttpError(400, 'BAD_REQUEST', `the body is one ${set.slice(0, -1)} as a JSON object`)
      if (link in body)
        throw new HttpError(
          400,
          'BAD_REQUEST',
          `${link} is given by the path ${req.path}; leave it out of the body`,
        )
      const created = await store.create(createFrom(set, { ...body, [link]: linkTo(id) }))
      const json = toJson(links(req), (await load(created)) as never)
      res.status(201).location(String(json['@iot.selfLink'])).json(json)
    })
  }
  // STA 10.3: change an Observation; a new result must fit its (Multi)Datastream
  router.patch('/Observations\\(:id\\)', async (req, res) => {
    const values = observationPatchFrom(req.body)
    const before = await store.observation(idOf(req))
    if (!before) throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
    if (values.result !== undefined) {
      const multi = ofMultiDatastream(before) ? await store.multiDatastream(before.datastreamId) : null
      const problem = resultProblem(values.result, multi)
      if (problem) throw new HttpError(400, 'BAD_REQUEST', problem)
    }
    const after = await store.patchObservation(idOf(req), values)
    if (!after) throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
    res.json(observationJson(links(req), after))
  })
  router.delete('/Observations\\(:id\\)', async (req, res) => {
    if (!(await store.deleteObservation(idOf(req))))
      throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
    res.status(200).end()
  })

  collection(
    '/Datastreams\\(:id\\)/Observations',
    async (req, p) => ((await store.datastream(idOf(req))) ? store.observations(idOf(req), p) : null),
    observationJson,
    {
      // extension: server-side aggregation (sta/aggregate.ts)
      aggregate: async (req, q) => {
        if (!(await store.datastream(idOf(req))))
          throw new HttpError(404, 'NOT_FOUND', `no entity at ${req.path}`)
        return aggregateJson(store, idOf(req), q, url(req))
      },
      loadColumns: columnsPageOf((id) => store.datastream(id)),
    },
  )
  collection('/Observations', (_req, p) => store.allObservations(p), observationJson, {
    loadColumns: columnsPageOf(null),
  })
  single('/Observations\\(:id\\)', (id) => store.observation(id), observationJson)
  related(
    '/Observations\\(:id\\)/Datastream',
    (id) => store.observation(id),
    (o) => (ofMultiDatastream(o) ? Promise.resolve(null) : store.datastream(o.datastreamId)),
    datastreamJson,
  )
  related(
    '/Observations\\(:id\\)/MultiDatastream',
    (id) => store.observation(id),
    (o) => (ofMultiDatastream(o) ? store.multiDatastream(o.datastreamId) : Promise.resolve(null)),
    multiDatastreamJson,
  )
  // FeaturesOfInterest are the Locations where Observations were made (sta/features.ts)
  const features = createFeatures(store)
  collection('/FeaturesOfInterest', (_req, p) => store.locations(asLocationQuery(p)), featureOfInterestJson)
  single('/FeaturesOfInterest\\(:id\\)', (id) => store.location(id), featureOfInterestJson)
  collection(
    '/FeaturesOfInterest\\(:id\\)/Observations',
    (req, p) => features.observationsOf(idOf(req), p),
    observationJson,
  )
  related(
    '/Observations\\(:id\\)/FeatureOfInterest',
    (id) => store.observation(id),
    async (o) => (await features.ofObservations([o]))[0] ?? null,
    featureOfInterestJson,
  )
  collection('/Sensors', (_req, p) => store.sensors(p), sensorJson)
  single('/Sensors\\(:id\\)', (id) => store.sensor(id), sensorJson)
  collection(
    '/Sensors\\(:id\\)/Datastreams',
    async (req, p) =>
      (await store.sensor(idOf(req))) ? store.datastreams(p, { sensorId: idOf(req) }) : null,
    datastreamJson,
  )
  collection('/ObservedProperties', (_req, p) => store.observedProperties(p), observedPropertyJson)
  single('/ObservedProperties\\(:id\\)', (id) => store.observedProperty(id), observedPropertyJson)
  collection(
    '/ObservedProperties\\(:id\\)/Datastreams',
    async (req, p) =>
      (await store.observedProperty(idOf(req)))
        ? store.datastreams(p, { observedPropertyId: idOf(req) })
        : null,
    datastreamJson,
  )
  return router
}
