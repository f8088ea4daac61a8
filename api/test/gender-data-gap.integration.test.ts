import { parse as parseCsv } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMPLEX_OBSERVATION, type DisaggregationInput, type ObservationType } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import type { GenderDataGapReport } from '../src/routes/gender-data-gap.ts'
import { serve, type Served } from './serve.ts'

const COUNT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation' as ObservationType
const unit = { name: 'count', symbol: '{count}', definition: 'http://unitsofmeasure.org/ucum.html' }
const sensor = { create: { name: 'Register', description: 'd', encodingType: 'text/plain', metadata: 'm' } }
const population = (area: string): DisaggregationInput => ({
  dimensions: ['gender'],
  byGender: true,
  genderCategories: ['female', 'male'],
  source: 'Statistisches Amt München',
  provenance: 'official-statistic',
  domain: 'population',
  cells: [
    { name: 'total', gender: 'total', measure: 'count' },
    { name: 'female', gender: 'female', measure: 'count' },
  ],
  note: area,
})

/** The gender data gap report over a real DuckDB store and HTTP: what is published, and the share. */
describe('the gender data gap report lists every published stream and the share disaggregated by gender', () => {
  let store: Store
  let api: Served
  let closed: Served | undefined

  const thingWith = (name: string, area: string | null, properties?: DisaggregationInput) =>
    store.create({
      set: 'Things',
      thing: {
        thing: {
          name,
          description: 'd',
          ...(area ? { properties: { statisticalArea: { level: area } } } : {}),
        },
        locations: [],
        datastreams: properties
          ? []
          : [
              {
                datastream: {
                  name: `${name} visitors`,
                  description: 'd',
                  unitOfMeasurement: unit,
                  observationType: COUNT,
                },
                sensor,
                observedProperty: {
                  create: { name: 'visitors', definition: 'urn:test:visitors', description: 'd' },
                },
              },
            ],
        multiDatastreams: properties
          ? [
              {
                multiDatastream: {
                  name: `${name} population`,
                  description: 'd',
                  unitOfMeasurements: [unit, unit],
                  observationType: COMPLEX_OBSERVATION,
                  multiObservationDataTypes: [COUNT, COUNT],
                  properties: { disaggregation: properties },
                },
                sensor,
                observedProperties: ['total', 'female'].map((c) => ({
                  create: { name: c, definition: `urn:test:population:${c}`, description: 'd' },
                })),
              },
            ]
          : [],
      },
    })

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    await store.provisionDevice(sampleProvision('c-1')) // clothing-container: 2 Datastreams, domain waste
    const district = await thingWith('Altstadt', 'district', population('district 1'))
    await thingWith('Counter', null) // made through the API: no kind, no disaggregation
    const [multi] = await store.multiDatastreamsOfThings([district])
    await store.appendObservations(
      [2022, 2023, 2024].map((y) => ({
        datastreamId: multi!.id,
        phenomenonTime: `${y}-12-31T00:00:00.000Z`,
        resultTime: '2025-08-01T00:00:00.000Z',
        result: [1000 + y, 500],
      })),
    )
    const kindDomain = (kind: string) => ({ 'clothing-container': 'waste' })[kind]
    api = await serve({ store, kindDomain, genderDataGapTtlMs: 0 })
    closed = await serve({ store, kindDomain, anonymousRead: false })
  })
  afterAll(async () => {
    await api?.close()
    await closed?.close()
    await store?.close()
  })

  const report = async () => {
    const res = await fetch(`${api.base}/api/gender-data-gap`)
    expect(res.status).toBe(200)
    return (await res.json()) as GenderDataGapReport
  }

  it('counts streams overall and per domain, with source, provenance, area and time span', async () => {
    const r = await report()
    expect({ total: r.total, byGender: r.byGender, share: r.share }).toEqual({
      total: 4,
      byGender: 1,
      share: 0.25,
    })
    expect(r.byDomain).toEqual([
      { domain: 'other', total: 1, byGender: 0, share: 0 },
      { domain: 'population', total: 1, byGender: 1, share: 1 },
      { domain: 'waste', total: 2, byGender: 0, share: 0 },
    ])
    expect(r.streams.find((s) => s.domain === 'population')).toMatchObject({
      type: 'MultiDatastream',
      name: 'Altstadt population',
      byGender: true,
      genderCategories: ['female', 'male'],
      dimensions: ['gender'],
      source: 'Statistisches Amt München',
      provenance: 'official-statistic',
      area: 'district',
      since: '2022-12-31T00:00:00.000Z',
      until: '2024-12-31T00:00:00.000Z',
    })
    const waste = r.streams.filter((s) => s.domain === 'waste')
    expect(waste.map((s) => [s.type, s.byGender, s.source, s.provenance, s.area, s.since])).toEqual([
      ['Datastream', false, 'fill sensor', 'sensor', 'site', null],
      ['Datastream', false, 'fill sensor', 'sensor', 'site', null],
    ])
    expect(r.streams.find((s) => s.domain === 'other')).toMatchObject({
      provenance: null,
      source: 'Register',
    })
    expect(r.byProvenance).toEqual([
      { provenance: 'official-statistic', total: 1, byGender: 1, share: 1 },
      { provenance: 'sensor', total: 2, byGender: 0, share: 0 },
      { provenance: 'unknown', total: 1, byGender: 0, share: 0 },
    ])
  })

  it('names what the platform derives as derived, with its domain and source', async () => {
    const thingId = await thingWith('Giesing', 'district', population('district 17'))
    await store.create({
      set: 'Datastreams',
      thing: { id: thingId },
      datastream: {
        datastream: {
          name: 'Residents per access point',
          description: 'd',
          unitOfMeasurement: unit,
          observationType: COUNT,
          properties: {
            derivation: {
              method: 'residents ÷ access points',
              inputs: ['k'],
              source: 'UrbanTwin',
              domain: 'wlan',
            },
          },
        },
        sensor,
        observedProperty: { create: { name: 'per AP', definition: 'urn:test:per-ap', description: 'd' } },
      },
    })
    const r = await report()
    expect(r.streams.find((s) => s.name === 'Residents per access point')).toMatchObject({
      domain: 'wlan',
      provenance: 'derived',
      source: 'UrbanTwin',
      byGender: false,
      area: 'district',
    })
    expect(r.byProvenance.find((p) => p.provenance === 'derived')).toEqual({
      provenance: 'derived',
      total: 1,
      byGender: 0,
      share: 0,
    })
  })

  it('updates itself when a stream is added', async () => {
    await thingWith('Au', 'district', population('district 5'))
    const r = await report()
    expect([r.total, r.byGender, r.share]).toEqual([7, 3, 0.4286])
    expect(r.byDomain.find((d) => d.domain === 'population')).toMatchObject({ total: 3, byGender: 3 })
  })

  it('serves the same rows as CSV, and needs a key where open data does', async () => {
    const [json, res] = await Promise.all([report(), fetch(`${api.base}/api/gender-data-gap.csv`)])
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const rows = parseCsv(await res.text(), { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(json.streams.length)
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(json.streams[0]!))
    const pop = rows.find((r) => r.name === 'Altstadt population')!
    expect([pop.byGender, pop.genderCategories, pop.since]).toEqual([
      'true',
      'female male',
      '2022-12-31T00:00:00.000Z',
    ])
    const refused = await fetch(`${closed!.base}/api/gender-data-gap.csv`)
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { code: string }).code).toBeTruthy()
  })
})
