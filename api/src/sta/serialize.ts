import type {
  DatastreamRecord,
  HistoricalLocationRecord,
  LocationRecord,
  MultiDatastreamRecord,
  ObservationColumns,
  ObservationRecord,
  ObservedPropertyRecord,
  Page,
  SensorRecord,
  ThingRecord,
} from '@urbantwin/model'
import { UnsupportedQueryError, isoOfMs } from '@urbantwin/store'
import type { RequestQuery } from './odata/parse.ts'

/**
 * STA 9.2 JSON: entities with `@iot.id`, `@iot.selfLink` and navigation links, collections in `value`.
 * Only navigation links this API already serves are emitted; the rest arrive with the full API.
 */
export type Links = { base: string }

type Json = Record<string, unknown>

/** An entity's own JSON (id, links, properties) and its text without the closing brace. */
type Own = { base: string; set: string; json: Json; text: string; keys: number }

/**
 * Entities serialised before, per store record: the registry cache and the latest-value index hand
 * out the same record objects until they change, so a large `$expand` (every Thing with its
 * Datastreams and latest Observations) reuses the JSON and text of all that did not change.
 */
const ownOfRecord = new WeakMap<object, Own>()
/**
 * Entity JSON made here carries its Own under this symbol, set in the object literal (JSON.stringify
 * and Object.keys skip it, `{...json}` copies it): a WeakMap from JSON to Own cost as much as the
 * JSON itself for a page of fresh Observations (1,440 in 4–8 ms, in a micro-benchmark).
 */
const OWN = Symbol('own')
const ownOf = (json: Json): Own | undefined => (json as { [OWN]?: Own })[OWN]

/**
 * `cache`: keep the JSON for the next request that serialises the same record (only shared records
 * repeat: registry caches, the latest-value index; fresh rows of a time series never do).
 */
function entity(
  links: Links,
  set: string,
  id: number,
  record: object,
  body: Json,
  navigation: readonly string[],
  cache = true,
): Json {
  let own = cache ? ownOfRecord.get(record) : undefined
  // one record may be two entities (a Location is also a FeatureOfInterest): the last one is kept
  if (own?.base !== links.base || own.set !== set) {
    const self = `${links.base}/${set}(${id})`
    const made: Own = { base: links.base, set, json: {}, text: '', keys: 0 }
    const json: Json = { [OWN]: made, '@iot.id': id, '@iot.selfLink': self }
    for (const key in body) if (body[key] !== undefined) json[key] = body[key]
    for (const n of navigation) json[`${n}@iot.navigationLink`] = `${self}/${n}`
    made.text = JSON.stringify(json).slice(0, -1)
    made.keys = Object.keys(json).length
    // shared JSON is frozen, so that nothing changes it by mistake
    made.json = cache ? Object.freeze(json) : json
    own = made
    if (cache) ownOfRecord.set(record, own)
  }
  return own.json
}

/**
 * A copy of entity JSON that `$expand` may add navigation properties to: what the serialisers hand
 * out is shared between answers, and frozen so that nothing changes it by mistake.
 */
export function extendable(json: Json): Json {
  return { ...json } // with its Own (a symbol property)
}

/**
 * JSON text of a response: like JSON.stringify, but entities made by the serialisers here are
 * written from their cached text, followed by what `$expand` added to them (entities' own
 * properties are never changed after they were made).
 */
export function jsonText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + jsonText(value[i] ?? null)
    return `${out}]`
  }
  const json = value as Json
  if (typeof json.toJSON === 'function') return JSON.stringify(json)
  const own = ownOf(json)
  const keys = Object.keys(json)
  let out = own ? own.text : '{'
  let first = !own || own.keys === 0
  for (let i = own ? own.keys : 0; i < keys.length; i++) {
    const v = json[keys[i]!]
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    out += `${first ? '' : ','}${JSON.stringify(keys[i])}:${jsonText(v)}`
    first = false
  }
  return `${out}}`
}

export function thingJson(l: Links, t: ThingRecord): Json {
  const { id, deviceId: _d, kind: _k, ...body } = t
  return entity(l, 'Things', id, t, body, [
    'Locations',
    'HistoricalLocations',
    'Datastreams',
    'MultiDatastreams',
  ])
}

export function locationJson(l: Links, x: LocationRecord): Json {
  const { id, thingId: _t, ...body } = x
  return entity(l, 'Locations', id, x, body, ['Things', 'HistoricalLocations'])
}

/** A FeatureOfInterest is a Location seen from its Observations (see sta/features.ts). */
export function featureOfInterestJson(l: Links, x: LocationRecord): Json {
  const { id, name, description, encodingType, location, properties } = x
  const body = { name, description, encodingType, feature: location, ...(properties ? { properties } : {}) }
  return entity(l, 'FeaturesOfInterest', id, x, body, ['Observations'])
}

export function historicalLocationJson(l: Links, h: HistoricalLocationRecord): Json {
  return entity(l, 'HistoricalLocations', h.id, h, { time: h.time }, ['Thing', 'Locations'])
}

export function datastreamJson(l: Links, d: DatastreamRecord): Json {
  const { id, thingId: _t, sensorId: _s, observedPropertyId: _o, key: _k, ...body } = d
  return entity(l, 'Datastreams', id, d, body, ['Thing', 'Sensor', 'ObservedProperty', 'Observations'])
}

export function multiDatastreamJson(l: Links, m: MultiDatastreamRecord): Json {
  const { id, thingId: _t, sensorId: _s, observedPropertyIds: _o, ...body } = m
  return entity(l, 'MultiDatastreams', id, m, body, ['Thing', 'Sensor', 'ObservedProperties', 'Observations'])
}

export function sensorJson(l: Links, s: SensorRecord): Json {
  const { id, ...body } = s
  return entity(l, 'Sensors', id, s, body, ['Datastreams', 'MultiDatastreams'])
}

export function observedPropertyJson(l: Links, o: ObservedPropertyRecord): Json {
  const { id, ...body } = o
  return entity(l, 'ObservedProperties', id, o, body, ['Datastreams', 'MultiDatastreams'])
}

/** An Observation of a MultiDatastream: its result is an array (one element per ObservedProperty). */
export const ofMultiDatastream = (o: Pick<ObservationRecord, 'result'>) => Array.isArray(o.result)

/** The JSON text of a string; JSON.stringify for any other value. */
const quoted = (v: unknown): string =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v)

/** The Observation properties of OGC 18-088 in the order they are written; absent ones are left out. */
const OBSERVATION_PROPERTIES = ['resultTime', 'result', 'resultQuality', 'validTime', 'parameters'] as const

/**
 * Observations come by the thousand (a day of one Datastream at one a minute is 1,440), so their JSON
 * and its text are written directly, with fixed keys, rather than through `entity`. They are cached
 * only when shared (the latest-value index freezes the records it keeps).
 */
export function observationJson(l: Links, o: ObservationRecord): Json {
  const cache = Object.isFrozen(o)
  const cached = cache ? ownOfRecord.get(o) : undefined
  if (cached?.base === l.base && cached.set === 'Observations') return cached.json
  const self = `${l.base}/Observations(${o.id})`
  const own: Own = { base: l.base, set: 'Observations', json: {}, text: '', keys: 0 }
  const json: Json = { [OWN]: own, '@iot.id': o.id, '@iot.selfLink': self, phenomenonTime: o.phenomenonTime }
  const selfText = JSON.stringify(self).slice(0, -1)
  let text = `${observationHead(selfText, o.id)},"phenomenonTime":${quoted(o.phenomenonTime)}`
  const record = o as Partial<Record<(typeof OBSERVATION_PROPERTIES)[number], unknown>>
  for (const key of OBSERVATION_PROPERTIES) {
    const v = record[key]
    if (v === undefined) continue
    json[key] = v
    text += `,"${key}":${quoted(v)}`
  }
  const stream = ofMultiDatastream(o) ? 'MultiDatastream' : 'Datastream'
  json[`${stream}@iot.navigationLink`] = `${self}/${stream}`
  json['FeatureOfInterest@iot.navigationLink'] = `${self}/FeatureOfInterest`
  own.text = text + observationLinks(selfText, stream)
  own.keys = Object.keys(json).length
  own.json = cache ? Object.freeze(json) : json
  if (cache) ownOfRecord.set(o, own)
  return own.json
}

/** An Observation's JSON text up to its properties; `selfText` is its selfLink as JSON without the closing quote. */
const observationHead = (selfText: string, id: number) => `{"@iot.id":${id},"@iot.selfLink":${selfText}"`
/** Its navigation links, after the properties (the closing brace is the caller's). */
const observationLinks = (selfText: string, stream: string) =>
  `,"${stream}@iot.navigationLink":${selfText}/${stream}","FeatureOfInterest@iot.navigationLink":${selfText}/FeatureOfInterest"`

/**
 * The JSON text of Observation `i` of a page read column by column (Store.observationColumns): what
 * `jsonText(observationJson(l, o))` writes for the same Observation, without making it an object
 * first (an API test compares both on random Observations). `selfPrefix` is `observationSelfPrefix`'s.
 */
export function observationTextAt(selfPrefix: string, c: ObservationColumns, i: number): string {
  const id = c.id[i]!
  const self = `${selfPrefix}${id})`
  const result = c.result[i]
  const quality = c.resultQuality[i]
  const stream = result?.startsWith('[') ? 'MultiDatastream' : 'Datastream'
  return (
    `${observationHead(self, id)},"phenomenonTime":"${isoOfMs(c.phenomenonMs[i]!)}","resultTime":"${isoOfMs(c.resultMs[i]!)}"` +
    `${result === null ? '' : `,"result":${result}`}${quality === null ? '' : `,"resultQuality":${JSON.stringify(quality)}`}` +
    `${observationLinks(self, stream)}}`
  )
}

/** What the selfLinks of Observations under `l` start with, as JSON without the closing quote. */
export const observationSelfPrefix = (l: Links) => `${JSON.stringify(l.base).slice(0, -1)}/Observations(`

/** STA 9.3.3.5 / 9.3.3.6: `@iot.count` when asked, `@iot.nextLink` when more entities follow. */
export function collectionJson<T>(
  page: Page<T>,
  q: Pick<RequestQuery, 'top' | 'skip' | 'count'>,
  requestUrl: URL,
  toJson: (item: T) => Json,
): Json {
  const out = collectionHead(page.items.length, page.count, q, requestUrl)
  out.value = page.items.map(toJson)
  return out
}

/** `shown` of `count` entities (a Page's items and count). */
function collectionHead(
  shown: number,
  count: number,
  q: Pick<RequestQuery, 'top' | 'skip' | 'count'>,
  requestUrl: URL,
): Json {
  const out: Json = {}
  if (q.count) out['@iot.count'] = count
  if (q.skip + shown < count && q.top > 0) {
    const next = new URL(requestUrl)
    next.searchParams.set('$skip', String(q.skip + q.top))
    next.searchParams.set('$top', String(q.top))
    out['@iot.nextLink'] = next.toString()
  }
  return out
}

/** `collectionJson`'s members besides `value`, as JSON text. */
export const collectionHeadText = (
  shown: number,
  count: number,
  q: Pick<RequestQuery, 'top' | 'skip' | 'count'>,
  requestUrl: URL,
): string => JSON.stringify(collectionHead(shown, count, q, requestUrl))

/**
 * What `$select` may name per entity set (STA 9.3.3.2): the properties of OGC 18-088 and the
 * navigation properties; `id` stands for `@iot.id`.
 */
const SELECTABLE = new Map<
  (l: Links, item: never) => Json,
  { set: string; properties: string[]; navigation: string[] }
>([
  [
    thingJson,
    {
      set: 'Things',
      properties: ['name', 'description', 'properties'],
      navigation: ['Locations', 'HistoricalLocations', 'Datastreams', 'MultiDatastreams'],
    },
  ],
  [
    locationJson,
    {
      set: 'Locations',
      properties: ['name', 'description', 'encodingType', 'location', 'properties'],
      navigation: ['Things', 'HistoricalLocations'],
    },
  ],
  [
    historicalLocationJson,
    { set: 'HistoricalLocations', properties: ['time'], navigation: ['Thing', 'Locations'] },
  ],
  [
    datastreamJson,
    {
      set: 'Datastreams',
      properties: [
        'name',
        'description',
        'unitOfMeasurement',
        'observationType',
        'observedArea',
        'phenomenonTime',
        'resultTime',
        'properties',
      ],
      navigation: ['Thing', 'Sensor', 'ObservedProperty', 'Observations'],
    },
  ],
  [
    multiDatastreamJson,
    {
      set: 'MultiDatastreams',
      properties: [
        'name',
        'description',
        'unitOfMeasurements',
        'observationType',
        'multiObservationDataTypes',
        'observedArea',
        'phenomenonTime',
        'resultTime',
        'properties',
      ],
      navigation: ['Thing', 'Sensor', 'ObservedProperties', 'Observations'],
    },
  ],
  [
    sensorJson,
    {
      set: 'Sensors',
      properties: ['name', 'description', 'encodingType', 'metadata', 'properties'],
      navigation: ['Datastreams', 'MultiDatastreams'],
    },
  ],
  [
    observedPropertyJson,
    {
      set: 'ObservedProperties',
      properties: ['name', 'definition', 'description', 'properties'],
      navigation: ['Datastreams', 'MultiDatastreams'],
    },
  ],
  [
    featureOfInterestJson,
    {
      set: 'FeaturesOfInterest',
      properties: ['name', 'description', 'encodingType', 'feature', 'properties'],
      navigation: ['Observations'],
    },
  ],
  [
    observationJson,
    {
      set: 'Observations',
      properties: ['phenomenonTime', 'resultTime', 'result', 'resultQuality', 'validTime', 'parameters'],
      navigation: ['Datastream', 'MultiDatastream', 'FeatureOfInterest'],
    },
  ],
])

/** The (non-navigation) property names of the entity set `toJson` serialises. */
export function propertyNames<T>(toJson: (l: Links, item: T) => Json): readonly string[] {
  return SELECTABLE.get(toJson as (l: Links, item: never) => Json)?.properties ?? []
}

/** A `$select` this entity set cannot answer (400, see errors.ts). */
export class SelectError extends UnsupportedQueryError {}

/**
 * `$select` on one serialised entity: only the named properties (and navigation links), in the
 * order asked. Unknown names are a SelectError; a known property the entity lacks is left out.
 */
export function select<T>(
  toJson: (l: Links, item: T) => Json,
  paths: readonly string[][],
): (json: Json) => Json {
  const spec = SELECTABLE.get(toJson as (l: Links, item: never) => Json)
  if (!spec) throw new SelectError('$select is not supported here')
  const keys: string[] = []
  for (const path of paths) {
    const [name, ...rest] = path
    if (name === undefined || rest.length > 0)
      throw new SelectError(`$select takes property names of ${spec.set}, not the path ${path.join('/')}`)
    if (name === 'id') keys.push('@iot.id')
    else if (spec.properties.includes(name)) keys.push(name)
    else if (spec.navigation.includes(name)) keys.push(`${name}@iot.navigationLink`)
    else
      throw new SelectError(
        `${spec.set} have no property ${name}; $select may name id, ${[...spec.properties, ...spec.navigation].join(', ')}`,
      )
  }
  return (json) => Object.fromEntries(keys.filter((k) => k in json).map((k) => [k, json[k]]))
}

/** The components of `$resultFormat=dataArray` without `$select` (OGC 18-088 14.3). */
const DATA_ARRAY_COMPONENTS = [
  'id',
  'phenomenonTime',
  'resultTime',
  'result',
  'resultQuality',
  'validTime',
  'parameters',
]

/**
 * `$resultFormat=dataArray` for the Observations of one Datastream: the components once, then one
 * array of values per Observation, in the same order.
 */
export function dataArrayJson(
  l: Links,
  stream: { set: 'Datastreams' | 'MultiDatastreams'; id: number },
  page: Page<ObservationRecord>,
  q: Pick<RequestQuery, 'top' | 'skip' | 'count' | 'select'>,
  requestUrl: URL,
): Json {
  const components = q.select ? q.select.map((p) => p.join('/')) : DATA_ARRAY_COMPONENTS
  for (const c of components)
    if (!DATA_ARRAY_COMPONENTS.includes(c))
      throw new SelectError(`dataArray components are ${DATA_ARRAY_COMPONENTS.join(', ')}; not ${c}`)
  const rows = page.items.map((o) =>
    components.map((c) => (c === 'id' ? o.id : ((o as Record<string, unknown>)[c] ?? null))),
  )
  const list = collectionJson(page, q, requestUrl, () => ({}))
  return {
    ...(q.count ? { '@iot.count': list['@iot.count'] } : {}),
    ...(list['@iot.nextLink'] ? { '@iot.nextLink': list['@iot.nextLink'] } : {}),
    value: [
      {
        [`${stream.set.slice(0, -1)}@iot.navigationLink`]: `${l.base}/${stream.set}(${stream.id})`,
        components,
        'dataArray@iot.count': rows.length,
        dataArray: rows,
      },
    ],
  }
}

/** Each entity set's serialiser (STA 9.2.1 names). */
export const SERIALISERS = {
  Things: thingJson,
  Locations: locationJson,
  HistoricalLocations: historicalLocationJson,
  Datastreams: datastreamJson,
  MultiDatastreams: multiDatastreamJson,
  Sensors: sensorJson,
  ObservedProperties: observedPropertyJson,
  Observations: observationJson,
  FeaturesOfInterest: featureOfInterestJson,
} as const
