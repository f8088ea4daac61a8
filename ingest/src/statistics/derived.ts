import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import { COUNT, COUNT_OBSERVATION, MEASUREMENT, PERCENT, deviceKinds } from '@urbantwin/devices'
import {
  COMPLEX_OBSERVATION,
  DEFAULT_MIN_CELL,
  Disaggregation,
  disaggregationOf,
  suppress,
  type Cell,
  type Derivation,
  type DisaggregationDimension,
  type DisaggregationInput,
  type Id,
  type LocationGeometry,
  type MultiDatastreamRecord,
  type NewObservation,
  type ObservationType,
  type ObservedProperty,
  type Sensor,
  type ThingRecord,
  type UnitOfMeasurement,
} from '@urbantwin/model'
import type { Store } from '@urbantwin/store'
import { keyedThings, storeObservations, type ObservationCounts } from './publish.ts'

/**
 * Indicators the platform computes from the published statistics and its device registry, published
 * like the statistics (on the areas' Things, with `properties.derivation` saying how):
 * - the share of women per area (female ÷ total residents × 100), each year;
 * - the female − male gap of every indicator that has a value for both (percentage points, or years
 *   for mean ages), each year and per further category (e.g. citizenship);
 * - residents per public WLAN access point and per used-clothing container, per area: the registry's
 *   devices placed in the area's polygon, against its latest residents count, whenever that changes.
 * Every input is first what the public may see of it (small-cell suppression with the platform's k):
 * a derived number never gives a suppressed count away; where an input is hidden, there is none.
 */

export type DeriveOptions = { minCell?: number; now?: () => Date }

export type DeriveResult = {
  streams: { created: number; existing: number }
  observations: ObservationCounts
  /** Streams deleted (and made again) because they held a number whose input is no longer public. */
  withdrawn: number
}

/** Device kinds whose coverage is published as residents per device. */
export const PER_DEVICE_KINDS = [
  { kind: 'wlan-access-point', de: 'öffentlichen WLAN-Access-Point', en: 'public WLAN access point' },
  { kind: 'clothing-container', de: 'Altkleidercontainer', en: 'used-clothing container' },
] as const

const UCUM = 'http://unitsofmeasure.org/ucum.html'
const PERCENTAGE_POINT: UnitOfMeasurement = {
  name: 'percentage point',
  symbol: '%',
  definition: `${UCUM}#para-29`,
}
const RESIDENTS: UnitOfMeasurement = { ...COUNT, name: 'residents', symbol: '{residents}' }
const perDeviceUnit = (en: string): UnitOfMeasurement => ({
  ...COUNT,
  name: `residents per ${en}`,
  symbol: '{residents}/{device}',
})
const OWN = 'urn:urbantwin:property:derived'
const SENSOR: Sensor = {
  name: 'UrbanTwin – abgeleitete Indikatoren',
  description:
    'Indicators the platform computes from published statistics and its device registry; each stream says how in properties.derivation',
  encodingType: 'text/plain',
  metadata:
    'Computed from what the public may see of the inputs (after small-cell suppression); the formula of each stream is in properties.derivation.method',
}
const COMPUTED_BY = 'UrbanTwin (computed by the platform)'
const MAX = Number.MAX_SAFE_INTEGER

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

type Area = {
  key: string
  name: string
  thing: ThingRecord
  geometry: LocationGeometry | null
}

type Source = {
  stream: MultiDatastreamRecord
  key: string
  disaggregation: Disaggregation
  /** Public values per phenomenonTime, with the Observation's resultTime. */
  rows: { phenomenonTime: string; resultTime: string; values: (number | null)[] }[]
}

/** What a derived stream is to be: a Datastream (one number) or a MultiDatastream. */
type Spec = {
  key: string
  area: Area
  name: string
  description: string
  derivation: Derivation
  disaggregation?: DisaggregationInput
  license?: unknown
  attribution?: string
} & (
  | {
      type: 'Datastream'
      unit: UnitOfMeasurement
      observationType: ObservationType
      property: ObservedProperty
    }
  | {
      type: 'MultiDatastream'
      units: UnitOfMeasurement[]
      types: ObservationType[]
      properties: ObservedProperty[]
    }
)

async function areasOf(store: Store): Promise<Area[]> {
  const things = [...(await keyedThings(store)).values()]
  const locations = await store.locationsOfThings(things.map((t) => t.id))
  return things.map((thing) => {
    const area = thing.properties?.statisticalArea as { key: string; name?: string }
    const location = locations.find((l) => l.thingId === thing.id)?.location ?? null
    return { key: area.key, name: area.name ?? thing.name, thing, geometry: location }
  })
}

/** The areas' gender-disaggregated published streams (not derived ones), as the public sees them. */
async function sourcesOf(
  store: Store,
  areas: readonly Area[],
  k: number,
  wanted: (key: string) => boolean = () => true,
): Promise<Map<Id, Source[]>> {
  const out = new Map<Id, Source[]>()
  const streams = await store.multiDatastreamsOfThings(areas.map((a) => a.thing.id))
  for (const stream of streams) {
    const d = disaggregationOf(stream.properties)
    const key = stream.properties?.key
    if (!d?.byGender || d.provenance === 'derived' || typeof key !== 'string' || !wanted(key)) continue
    const page = await store.observations(stream.id, { top: MAX, skip: 0, count: false })
    const rows = page.items.map((o) => {
      const raw = (Array.isArray(o.result) ? o.result : [o.result]).map((v) =>
        typeof v === 'number' ? v : null,
      )
      const hidden = new Set(suppress(raw, d, k).suppressed)
      return {
        phenomenonTime: o.phenomenonTime,
        resultTime: o.resultTime,
        values: raw.map((v, i) => (hidden.has(i) ? null : v)),
      }
    })
    out.set(stream.thingId, [...(out.get(stream.thingId) ?? []), { stream, key, disaggregation: d, rows }])
  }
  return out
}

const plain = (c: Cell) => c.categories === undefined || Object.keys(c.categories).length === 0
const POPULATION = 'munich:population:'
const attributionOf = (s: Source, method: string) => {
  const a = s.stream.properties?.attribution
  return `${typeof a === 'string' ? `${a} ` : ''}Abgeleitet von UrbanTwin: ${method}.`
}

/** What a gender indicator derived from `s` says of itself: how, from what, under which licence. */
function derivedFrom(s: Source, method: string, cell: Cell, dimensions: DisaggregationDimension[]) {
  const source = `${COMPUTED_BY}, from: ${s.disaggregation.source}`
  return {
    derivation: { method, inputs: [s.key], source, domain: s.disaggregation.domain },
    disaggregation: {
      dimensions,
      byGender: true,
      genderCategories: s.disaggregation.genderCategories,
      source,
      provenance: 'derived' as const,
      domain: s.disaggregation.domain,
      ...(s.disaggregation.note ? { note: s.disaggregation.note } : {}),
      cells: [cell],
    },
    license: s.stream.properties?.license,
    attribution: attributionOf(s, method),
  }
}

/** Share of women: female ÷ total residents × 100, from each area's population stream. */
function shareOfWomen(area: Area, sources: readonly Source[]): { spec: Spec; values: NewObservation[] }[] {
  const s = sources.find((x) => x.key.startsWith(POPULATION))
  if (!s) return []
  const cells = s.disaggregation.cells
  const female = cells.findIndex((c) => c.measure === 'count' && c.gender === 'female' && plain(c))
  const total = cells.findIndex((c) => c.measure === 'count' && c.gender === 'total' && plain(c))
  if (female < 0 || total < 0) return []
  const method = `Frauenanteil = ${cells[female]!.name} ÷ ${cells[total]!.name} × 100, auf 2 Nachkommastellen gerundet`
  const spec: Spec = {
    type: 'Datastream',
    key: `derived:share-of-women:${area.key}`,
    area,
    name: `Frauenanteil (berechnet) – ${area.name}`,
    description:
      'Share of women among the main-residence population on 31 December, in %, computed by the platform from the published counts',
    unit: PERCENT,
    observationType: MEASUREMENT,
    property: {
      name: 'Frauenanteil (berechnet)',
      definition: `${OWN}:share-of-women`,
      description: 'Share of women among the main-residence population, in %: female ÷ total × 100',
    },
    ...derivedFrom(s, method, { name: 'Frauenanteil (%)', gender: 'female', measure: 'ratio' }, ['gender']),
  }
  const values = s.rows.flatMap((r) => {
    const f = r.values[female]
    const t = r.values[total]
    if (f === null || f === undefined || t === null || t === undefined || t === 0) return []
    return [
      {
        datastreamId: 0,
        phenomenonTime: r.phenomenonTime,
        resultTime: r.resultTime,
        result: round((f / t) * 100, 2),
      },
    ]
  })
  return [{ spec, values }]
}

/** Which categories besides gender a cell has, as a key part: `citizenship-german`, or ''. */
const categoryPart = (c: Cell) =>
  Object.entries(c.categories ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}-${v}`)
    .join(':')

/** Female − male of each indicator value that has both, per further category. */
function genderGaps(area: Area, sources: readonly Source[]): { spec: Spec; values: NewObservation[] }[] {
  const out: { spec: Spec; values: NewObservation[] }[] = []
  for (const s of sources) {
    const cells = s.disaggregation.cells
    const ratios = cells.flatMap((c, i) => (c.measure === 'ratio' && c.of !== undefined ? [{ c, i }] : []))
    const groups = new Map<string, { female?: number; male?: number }>()
    for (const { c, i } of ratios) {
      if (c.gender !== 'female' && c.gender !== 'male') continue
      const g = groups.get(categoryPart(c)) ?? {}
      g[c.gender] = i
      groups.set(categoryPart(c), g)
    }
    const indicator = (s.stream.properties?.indicator as { name?: string } | undefined)?.name ?? s.stream.name
    const stem = s.key.endsWith(`:${area.key}`) ? s.key.slice(0, -(area.key.length + 1)) : s.key
    const slug = stem.split(':').at(-1)!
    for (const [part, { female, male }] of groups) {
      if (female === undefined || male === undefined) continue
      const f = cells[female]!
      const m = cells[male]!
      const sourceUnit = s.stream.unitOfMeasurements[female]!
      const unit =
        sourceUnit.definition === PERCENT.definition && sourceUnit.symbol === '%'
          ? PERCENTAGE_POINT
          : sourceUnit
      const categories = f.categories && Object.keys(f.categories).length > 0 ? f.categories : undefined
      const label = categories ? ` (${Object.values(categories).join(', ')})` : ''
      const method = `Gender Gap = ${f.name} − ${m.name}, in ${unit.name}s`
      out.push({
        spec: {
          type: 'Datastream',
          key: `derived:gender-gap:${slug}${part ? `:${part}` : ''}:${area.key}`,
          area,
          name: `Gender Gap ${indicator}${label} – ${area.name}`,
          description: `Female − male difference of the indicator "${indicator}"${label}, in ${unit.name}s, computed by the platform from the published values: ${f.name} − ${m.name}`,
          unit,
          observationType: MEASUREMENT,
          property: {
            name: `Gender Gap: ${indicator}${label}`,
            definition: `${OWN}:gender-gap:${slug}${part ? `:${part}` : ''}`,
            description: `${f.name} − ${m.name}`,
          },
          ...derivedFrom(
            s,
            method,
            { name: 'weiblich − männlich', measure: 'other', ...(categories ? { categories } : {}) },
            [
              'gender',
              ...s.disaggregation.dimensions.filter((d) => d !== 'gender' && categories?.[d] !== undefined),
            ],
          ),
        },
        values: s.rows.flatMap((r) => {
          const a = r.values[female]
          const b = r.values[male]
          if (a === null || a === undefined || b === null || b === undefined) return []
          return [
            {
              datastreamId: 0,
              phenomenonTime: r.phenomenonTime,
              resultTime: r.resultTime,
              result: round(a - b, 6),
            },
          ]
        }),
      })
    }
  }
  return out
}

/** The derived (Multi)Datastreams of these Things, by key. */
async function existingStreams(store: Store, thingIds: readonly Id[]): Promise<Map<string, Id>> {
  const ids = new Map<string, Id>()
  const [singles, multis] = await Promise.all([
    store.datastreamsOfThings(thingIds),
    store.multiDatastreamsOfThings(thingIds),
  ])
  for (const d of [...singles, ...multis]) {
    const key = d.properties?.key
    if (typeof key === 'string' && key.startsWith('derived:')) ids.set(key, d.id)
  }
  return ids
}

/** The derived streams of the areas by key, made where missing; counts what it did. */
async function ensureStreams(
  store: Store,
  specs: readonly Spec[],
  result: DeriveResult,
): Promise<Map<string, Id>> {
  const ids = await existingStreams(store, [...new Set(specs.map((s) => s.area.thing.id))])
  for (const s of specs) {
    if (ids.has(s.key)) {
      result.streams.existing++
      continue
    }
    const properties = {
      key: s.key,
      derivation: s.derivation,
      ...(s.disaggregation ? { disaggregation: Disaggregation.parse(s.disaggregation) } : {}),
      ...(s.license ? { license: s.license } : {}),
      ...(s.attribution ? { attribution: s.attribution } : {}),
    }
    const id =
      s.type === 'Datastream'
        ? await store.create({
            set: 'Datastreams',
            datastream: {
              datastream: {
                name: s.name,
                description: s.description,
                unitOfMeasurement: s.unit,
                observationType: s.observationType,
                properties,
              },
              sensor: { create: SENSOR },
              observedProperty: { create: s.property },
            },
            thing: { id: s.area.thing.id },
          })
        : await store.create({
            set: 'MultiDatastreams',
            multiDatastream: {
              multiDatastream: {
                name: s.name,
                description: s.description,
                unitOfMeasurements: s.units,
                observationType: COMPLEX_OBSERVATION,
                multiObservationDataTypes: s.types,
                properties,
              },
              sensor: { create: SENSOR },
              observedProperties: s.properties.map((p) => ({ create: p })),
            },
            thing: { id: s.area.thing.id },
          })
    ids.set(s.key, id)
    result.streams.created++
  }
  return ids
}

const empty = (): DeriveResult => ({
  streams: { created: 0, existing: 0 },
  observations: { created: 0, revised: 0, unchanged: 0 },
  withdrawn: 0,
})

/** Share of women and the gender gaps of every area, for every year published. */
export async function deriveGenderIndicators(store: Store, opts: DeriveOptions = {}): Promise<DeriveResult> {
  const result = empty()
  const areas = await areasOf(store)
  const sources = await sourcesOf(store, areas, opts.minCell ?? DEFAULT_MIN_CELL)
  const derived = areas.flatMap((a) => {
    const mine = sources.get(a.thing.id) ?? []
    return [...shareOfWomen(a, mine), ...genderGaps(a, mine)]
  })
  await withdrawStale(store, derived, result)
  const ids = await ensureStreams(
    store,
    derived.map((d) => d.spec),
    result,
  )
  const all = derived.flatMap((d) => d.values.map((v) => ({ ...v, datastreamId: ids.get(d.spec.key)! })))
  await storeObservations(store, all, result.observations)
  return result
}

/**
 * A derived number whose input is no longer public (a larger k, a revised count) must not stay
 * published: a stream holding a year it would not get now is deleted, with its Observations, and
 * made again (a time-series engine deletes whole series, not single points).
 */
async function withdrawStale(
  store: Store,
  derived: readonly { spec: Spec; values: NewObservation[] }[],
  result: DeriveResult,
): Promise<void> {
  const existing = await existingStreams(store, [...new Set(derived.map((d) => d.spec.area.thing.id))])
  for (const d of derived) {
    const id = existing.get(d.spec.key)
    if (id === undefined) continue
    const wanted = new Set(d.values.map((v) => Date.parse(v.phenomenonTime)))
    const stored = (await store.observations(id, { top: MAX, skip: 0, count: false })).items
    if (stored.every((o) => wanted.has(Date.parse(o.phenomenonTime)))) continue
    await store.remove('Datastreams', id)
    result.withdrawn++
  }
}

/**
 * Residents per device of each kind in PER_DEVICE_KINDS and area: the registry's Things of the kind
 * whose Location lies in the area's polygon, against the area's residents in the latest published
 * year. An Observation [residents per device, devices, residents] is added whenever one of them changed
 * (no devices: residents per device is null).
 */
export async function deriveResidentsPerDevice(
  store: Store,
  opts: DeriveOptions = {},
): Promise<DeriveResult> {
  const result = empty()
  const areas = (await areasOf(store)).filter((a) => a.geometry && a.geometry.type !== 'Point')
  if (areas.length === 0) return result
  const k = opts.minCell ?? DEFAULT_MIN_CELL
  const population = new Map<Id, { key: string; residents: number; year: string; source: Source }>()
  for (const [thingId, list] of await sourcesOf(store, areas, k, (key) => key.startsWith(POPULATION))) {
    const s = list.find((x) => x.key.startsWith(POPULATION))
    const total =
      s?.disaggregation.cells.findIndex((c) => c.measure === 'count' && c.gender === 'total' && plain(c)) ??
      -1
    const latest = s?.rows
      .filter((r) => typeof r.values[total] === 'number')
      .sort((a, b) => b.phenomenonTime.localeCompare(a.phenomenonTime))[0]
    if (s && latest)
      population.set(thingId, {
        key: s.key,
        residents: latest.values[total]!,
        year: latest.phenomenonTime.slice(0, 4),
        source: s,
      })
  }
  const things = (await store.things({ top: MAX, skip: 0, count: false })).items
  const now = (opts.now?.() ?? new Date()).toISOString()
  const specs: { spec: Spec; result: (number | null)[] }[] = []
  for (const kind of PER_DEVICE_KINDS) {
    const devices = things.filter((t) => t.kind === kind.kind)
    const points = (await store.locationsOfThings(devices.map((d) => d.id))).flatMap((l) =>
      l.location.type === 'Point' ? [l.location.coordinates] : [],
    )
    for (const area of areas) {
      const pop = population.get(area.thing.id)
      if (!pop) continue
      const n = points.filter((p) =>
        booleanPointInPolygon(
          p as [number, number],
          area.geometry as Parameters<typeof booleanPointInPolygon>[1],
        ),
      ).length
      const method = `Einwohner je ${kind.de} = Hauptwohnsitzbevölkerung (letztes veröffentlichtes Jahr) ÷ Anzahl der registrierten Geräte der Art ${kind.kind}, deren Standort im Gebiet liegt`
      specs.push({
        spec: {
          type: 'MultiDatastream',
          key: `derived:residents-per-device:${kind.kind}:${area.key}`,
          area,
          name: `Einwohner je ${kind.de} – ${area.name}`,
          description: `Residents per ${kind.en} in the area: its main-residence population of the latest published year, divided by the registered ${kind.en}s located in its polygon; with both counts. Added whenever one of them changes.`,
          units: [perDeviceUnit(kind.en), COUNT, RESIDENTS],
          types: [MEASUREMENT, COUNT_OBSERVATION, COUNT_OBSERVATION],
          properties: [
            {
              name: `Einwohner je ${kind.de}`,
              definition: `${OWN}:residents-per-device:${kind.kind}`,
              description: `Residents per ${kind.en} (null when there is none)`,
            },
            {
              name: `Anzahl ${kind.de}`,
              definition: `${OWN}:devices:${kind.kind}`,
              description: `Registered ${kind.en}s located in the area`,
            },
            {
              name: 'Hauptwohnsitzbevölkerung (letztes Jahr)',
              definition: `${OWN}:residents-latest`,
              description: 'Main-residence population of the latest published year (31 December)',
            },
          ],
          derivation: {
            method,
            inputs: [pop.key, `registry:Things:kind=${kind.kind}`],
            source: `${COMPUTED_BY}, from: ${pop.source.disaggregation.source} and the platform's device registry`,
            domain: deviceKinds.get(kind.kind)?.domain ?? 'other',
          },
          license: pop.source.stream.properties?.license,
          attribution: attributionOf(pop.source, method),
        },
        result: [n === 0 ? null : round(pop.residents / n, 1), n, pop.residents],
      })
    }
  }
  const ids = await ensureStreams(
    store,
    specs.map((s) => s.spec),
    result,
  )
  const latest = await store.latestObservations([...ids.values()])
  const fresh: NewObservation[] = []
  for (const { spec, result: r } of specs) {
    const id = ids.get(spec.key)!
    const before = latest.get(id)?.observation.result
    if (JSON.stringify(before) === JSON.stringify(r)) result.observations.unchanged++
    else fresh.push({ datastreamId: id, phenomenonTime: now, resultTime: now, result: r })
  }
  await storeObservations(store, fresh, result.observations)
  return result
}
