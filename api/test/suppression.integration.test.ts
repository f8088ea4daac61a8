import fc from 'fast-check'
import { parse as parseCsv } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  COMPLEX_OBSERVATION,
  silentLogger,
  type DisaggregationInput,
  type Id,
  type ObservationType,
} from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { createStaMqtt } from '../src/index.ts'
import { staticKeys } from './static-keys.ts'
import { serve, type Body, type Served } from './serve.ts'

/**
 * Small-cell suppression as the public meets it: through HTTP (JSON, $expand, CSV, filters) and the
 * MQTT extension, over a real DuckDB store; operators see the stored numbers.
 */

const OPERATOR = 'operator-key-0123456789abcdef'
const READER = 'reader-key-0123456789abcdef00'
const K = 10
const COUNT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation' as ObservationType
const unit = { name: 'count', symbol: '{count}', definition: 'http://unitsofmeasure.org/ucum.html' }
const GENDERS = ['female', 'male', 'diverse', 'unspecified'] as const

const disaggregation: DisaggregationInput = {
  dimensions: ['gender'],
  byGender: true,
  genderCategories: [...GENDERS],
  source: 'test survey',
  provenance: 'survey',
  domain: 'wlan',
  cells: [
    ...GENDERS.map((g) => ({ name: g, gender: g, measure: 'count' as const })),
    { name: 'total', gender: 'total' as const, measure: 'count' as const },
  ],
  constraints: [{ total: 4, parts: [0, 1, 2, 3] }],
}
const table = (parts: number[]) => [...parts, parts.reduce((a, b) => a + b, 0)]
const hour = (h: number) => new Date(Date.UTC(2026, 10, 23, h)).toISOString()

describe('gender-disaggregated results are served with small cells suppressed', () => {
  let store: Store
  let api: Served
  let multi: Id
  let opaque: Id
  let plain: Id

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    const thingId = await store.create({
      set: 'Things',
      thing: {
        thing: { name: 'Hotspot Marienplatz', description: 'survey' },
        locations: [],
        datastreams: [
          {
            datastream: {
              name: 'claims a breakdown it does not describe',
              description: 'd',
              unitOfMeasurement: unit,
              observationType: COUNT,
              properties: { disaggregation: { dimensions: ['gender'] } },
            },
            sensor: { create: { name: 'S', description: 'd', encodingType: 'text/plain', metadata: 'm' } },
            observedProperty: {
              create: { name: 'answers', definition: 'urn:test:answers', description: 'd' },
            },
          },
          {
            datastream: {
              name: 'visitors',
              description: 'd',
              unitOfMeasurement: unit,
              observationType: COUNT,
            },
            sensor: { create: { name: 'S', description: 'd', encodingType: 'text/plain', metadata: 'm' } },
            observedProperty: {
              create: { name: 'visitors', definition: 'urn:test:visitors', description: 'd' },
            },
          },
        ],
        multiDatastreams: [
          {
            multiDatastream: {
              name: 'Answered yes, by gender',
              description: 'hourly counts',
              unitOfMeasurements: disaggregation.cells.map(() => unit),
              observationType: COMPLEX_OBSERVATION,
              multiObservationDataTypes: disaggregation.cells.map(() => COUNT),
              properties: { disaggregation },
            },
            sensor: { create: { name: 'S', description: 'd', encodingType: 'text/plain', metadata: 'm' } },
            observedProperties: disaggregation.cells.map((c) => ({
              create: { name: c.name, definition: `urn:test:yes:${c.name}`, description: 'd' },
            })),
          },
        ],
      },
    })
    multi = (await store.multiDatastreamsOfThings([thingId]))[0]!.id
    ;[opaque, plain] = (await store.datastreamsOfThings([thingId])).map((d) => d.id) as [Id, Id]
    await store.appendObservations([
      { datastreamId: multi, phenomenonTime: hour(8), resultTime: hour(9), result: table([120, 110, 3, 40]) },
      { datastreamId: multi, phenomenonTime: hour(9), resultTime: hour(10), result: table([20, 30, 10, 11]) },
      { datastreamId: opaque, phenomenonTime: hour(8), resultTime: hour(9), result: 3 },
      { datastreamId: plain, phenomenonTime: hour(8), resultTime: hour(9), result: 3 },
    ])
    api = await serve({
      store,
      maxTop: 100,
      minCell: K,
      auth: staticKeys({ [OPERATOR]: 'operator', [READER]: 'reader' }),
    })
  })
  afterAll(async () => {
    await api?.close()
    await store?.close()
  })

  const get = async (path: string, key?: string) => {
    const res = await fetch(api.base + path, key ? { headers: { authorization: `Bearer ${key}` } } : {})
    return { status: res.status, body: (await res.json()) as Body }
  }
  const results = (b: Body) => b.value!.map((o) => o.result)

  it('hides the small cell and its complement for the public, with a marker; operators see the numbers', async () => {
    const path = `/v1.1/MultiDatastreams(${multi})/Observations?$orderby=phenomenonTime asc`
    const anonymous = await get(path)
    expect(results(anonymous.body)).toEqual([
      [120, 110, null, null, 273],
      [20, 30, 10, 11, 71],
    ])
    expect(anonymous.body.value![0]!.parameters).toMatchObject({ suppressed: [2, 3] })
    expect(anonymous.body.value![1]!.parameters).toBeUndefined()
    expect(results((await get(path, READER)).body)).toEqual(results(anonymous.body))
    expect(results((await get(path, OPERATOR)).body)).toEqual([
      table([120, 110, 3, 40]),
      table([20, 30, 10, 11]),
    ])
  })

  it('suppresses the same way by id, in /Observations, in $expand and in the CSV export', async () => {
    const all = await get('/v1.1/Observations?$orderby=id asc')
    const small = all.body.value!.find((o) => o.phenomenonTime === hour(8) && Array.isArray(o.result))!
    expect(small.result).toEqual([120, 110, null, null, 273])
    expect((await get(`/v1.1/Observations(${small['@iot.id'] as number})`)).body.result).toEqual(small.result)
    const expanded = await get(
      `/v1.1/MultiDatastreams(${multi})?$expand=Observations($orderby=phenomenonTime asc)`,
    )
    expect((expanded.body.Observations as Body[])[0]!.result).toEqual([120, 110, null, null, 273])
    const csv = await fetch(`${api.base}/v1.1/MultiDatastreams(${multi})/Observations?$resultFormat=CSV`)
    const rows = parseCsv(await csv.text(), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => JSON.parse(r.result!))).toContainEqual([120, 110, null, null, 273])
    expect(rows.map((r) => r.result).join()).not.toMatch(/\b(3|40)\b/)
  })

  it('hides every result of a stream whose disaggregation cannot be read, and none of a plain one', async () => {
    const o = (await get(`/v1.1/Datastreams(${opaque})/Observations`)).body.value![0]!
    expect(o.result).toBeNull()
    expect(o.parameters).toMatchObject({ suppressed: true })
    expect((await get(`/v1.1/Datastreams(${plain})/Observations`)).body.value![0]!.result).toBe(3)
  })

  it('refuses result filters on a suppressed stream, and searches only unprotected ones across streams', async () => {
    const refused = await get(`/v1.1/MultiDatastreams(${multi})/Observations?$filter=result eq 3`)
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/suppressed/) })
    expect((await get(`/v1.1/Datastreams(${opaque})/Observations?$orderby=result`)).status).toBe(400)
    const across = await get('/v1.1/Observations?$filter=result eq 3')
    expect(across.body.value!.map((o) => o.result)).toEqual([3]) // the plain stream's; not the opaque one's
    expect((await get('/v1.1/Observations?$filter=result eq 3', OPERATOR)).body.value).toHaveLength(2)
  })

  it('never serves a count below k, nor lets the total give a hidden one back (random tables over HTTP)', async () => {
    let h = 10
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 200 })), {
          minLength: 4,
          maxLength: 4,
        }),
        async (parts) => {
          const at = hour(h++)
          await store.appendObservations([
            { datastreamId: multi, phenomenonTime: at, resultTime: at, result: table(parts) },
          ])
          const got = await get(
            `/v1.1/MultiDatastreams(${multi})/Observations?$filter=phenomenonTime eq ${at}`,
          )
          const shown = got.body.value![0]!.result as (number | null)[]
          shown.forEach((v, i) => {
            if (v !== null) expect(v).toBeGreaterThanOrEqual(K)
            if (v !== null) expect(v).toBe(table(parts)[i])
          })
          const hiddenParts = shown.slice(0, 4).filter((v) => v === null).length
          if (shown.some((v) => v === null)) {
            // one hidden part with the total public would be total − the others
            expect(hiddenParts >= 2 || shown[4] === null).toBe(true)
            if (shown[4] !== null) {
              const residual =
                (shown[4] as number) - shown.slice(0, 4).reduce<number>((a, v) => a + (v ?? 0), 0)
              expect(residual).toBeGreaterThanOrEqual(K)
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('delivers suppressed results on the SensorThings MQTT topics', async () => {
    const sent: { topic: string; result: unknown; parameters?: unknown }[] = []
    const sta = createStaMqtt({ store, base: () => 'http://h/v1.1', log: silentLogger, minCell: K })
    const topic = `v1.1/MultiDatastreams(${multi})/Observations`
    sta.attach({
      deliver: (t, p) => void sent.push({ topic: t, ...JSON.parse(p) }),
      subscribed: () => new Set([topic]),
    })
    const [stored] = await store.createObservations([
      {
        datastreamId: multi,
        phenomenonTime: hour(200),
        resultTime: hour(200),
        result: table([50, 60, 1, 0]),
      },
    ])
    sta.created([stored!.observation])
    await sta.idle()
    expect(sent).toEqual([expect.objectContaining({ topic, result: [null, 60, null, null, 111] })])
  })
})
