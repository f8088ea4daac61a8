import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ObservationRecord } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { sender, serve, type Served } from './serve.ts'

const OPERATOR = 'operator-key-0123456789'
const READER = 'reader-key-0123456789'
const DEVICE = 'device-key-0123456789'

describe('creating and deleting Observations (STA 10.2, 10.4, 14.4) over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let base: string
  let fill: number
  let temp: number
  const created: ObservationRecord[] = []

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    const d = await store.provisionDevice(sampleProvision('w-1'))
    fill = d.datastreams.fillingLevel!
    temp = d.datastreams.temperature!
    api = await serve({
      store,
      maxTop: 100,
      auth: staticKeys({ [OPERATOR]: 'operator', [READER]: 'reader', [DEVICE]: 'device' }),
      onObservationsCreated: (obs) => created.push(...obs),
    })
    base = api.base
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const send = sender(() => base, OPERATOR)
  const path = (selfLink: unknown) => new URL(String(selfLink)).pathname

  it('creates an Observation under its Datastream: 201, Location, the entity, and it is the latest value', async () => {
    const r = await send('POST', `/v1.1/Datastreams(${fill})/Observations`, {
      phenomenonTime: '2026-11-23T08:00:00Z',
      result: 42.5,
      resultQuality: 'estimated',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body).toMatchObject({
      phenomenonTime: '2026-11-23T08:00:00.000Z',
      resultTime: '2026-11-23T08:00:00.000Z',
      result: 42.5,
      resultQuality: 'estimated',
    })
    expect(r.location).toBe(r.body['@iot.selfLink'])
    const again = await send('GET', path(r.location))
    expect(again.body).toEqual(r.body)
    const latest = await send('GET', `/v1.1/Datastreams(${fill})/Observations?$top=1`, undefined, null)
    expect((latest.body.value as unknown[])[0]).toEqual(r.body)
    expect(created.map((o) => o.id)).toContain(r.body['@iot.id'])
  })

  it('creates one through POST /Observations with a Datastream link; phenomenonTime defaults to now', async () => {
    const before = Date.now()
    const r = await send('POST', '/v1.1/Observations', {
      result: 'lid open',
      Datastream: { '@iot.id': temp },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const t = Date.parse(String(r.body.phenomenonTime))
    expect(t).toBeGreaterThanOrEqual(before - 1000)
    expect(t).toBeLessThanOrEqual(Date.now() + 1000)
    const ds = await send('GET', `${path(r.location)}/Datastream`)
    expect(ds.body['@iot.id']).toBe(temp)
  })

  it('answers a second Observation at the same time with 409 and the address of the first', async () => {
    const body = { phenomenonTime: '2026-11-23T09:00:00Z', result: 1 }
    const first = await send('POST', `/v1.1/Datastreams(${fill})/Observations`, body)
    const second = await send('POST', `/v1.1/Datastreams(${fill})/Observations`, { ...body, result: 2 })
    expect(second.status).toBe(409)
    expect(second.body).toMatchObject({
      code: 'CONFLICT',
      details: { '@iot.selfLink': first.body['@iot.selfLink'] },
    })
    expect((await send('GET', path(first.location))).body.result).toBe(1)
  })

  it('refuses what it cannot store with a 4xx that says why', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/v1.1/Observations', { result: 1 }, 400, /needs its Datastream/],
      ['POST', '/v1.1/Observations', { result: 1, Datastream: { '@iot.id': 99999 } }, 400, /does not exist/],
      ['POST', '/v1.1/Datastreams(99999)/Observations', { result: 1 }, 404, /does not exist/],
      [
        'POST',
        `/v1.1/Datastreams(${fill})/Observations`,
        { result: 1, Datastream: { '@iot.id': temp } },
        400,
        /links Datastream/,
      ],
      [
        'POST',
        `/v1.1/Datastreams(${fill})/Observations`,
        { result: 1, parameters: { a: 1 } },
        400,
        /parameters is not stored/,
      ],
      ['POST', `/v1.1/Datastreams(${fill})/Observations`, { result: { a: 1 } }, 400, /result/],
      [
        'POST',
        `/v1.1/Datastreams(${fill})/Observations`,
        { result: 1, colour: 'red' },
        400,
        /colour|unrecognized/i,
      ],
      [
        'POST',
        `/v1.1/Datastreams(${fill})/Observations`,
        { result: 1, phenomenonTime: 'yesterday' },
        400,
        /phenomenonTime/,
      ],
      ['POST', `/v1.1/Datastreams(${fill})/Observations`, '{"result": 1', 400, /not valid JSON/],
      ['DELETE', '/v1.1/Observations(987654321)', undefined, 404, /no entity/],
    ]
    for (const [method, p, body, status, message] of cases) {
      const r = await send(method, p, body)
      expect(r.status, `${method} ${p} ${JSON.stringify(body)}`).toBe(status)
      expect(String(r.body.message)).toMatch(message)
    }
  })

  it('needs a key with write permission; a device key may create Observations only', async () => {
    const body = { phenomenonTime: '2026-11-23T10:00:00Z', result: 3 }
    expect((await send('POST', `/v1.1/Datastreams(${fill})/Observations`, body, null)).status).toBe(401)
    expect((await send('POST', `/v1.1/Datastreams(${fill})/Observations`, body, READER)).status).toBe(403)
    const r = await send('POST', `/v1.1/Datastreams(${fill})/Observations`, body, DEVICE)
    expect(r.status).toBe(201)
    expect((await send('DELETE', path(r.location), undefined, DEVICE)).status).toBe(403)
  })

  it('creates many with CreateObservations: an address per row, "error" for bad rows, the same addresses on a retry', async () => {
    const body = [
      {
        Datastream: { '@iot.id': fill },
        components: ['phenomenonTime', 'result', 'resultQuality'],
        'dataArray@iot.count': 4,
        dataArray: [
          ['2026-11-22T00:00:00Z', 10, null],
          ['2026-11-22T00:01:00Z', 11, 'estimated'],
          ['not a time', 12, null],
          ['2026-11-22T00:03:00Z', 13],
        ],
      },
      { Datastream: { '@iot.id': 99999 }, components: ['result'], dataArray: [[1]] },
      {
        Datastream: { '@iot.id': temp },
        components: ['result', 'phenomenonTime'],
        dataArray: [[-4.5, '2026-11-22T00:00:00Z']],
      },
    ]
    const r = await send('POST', '/v1.1/CreateObservations', body)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const links = r.body as unknown as string[]
    expect(links.map((l) => (l === 'error' ? l : 'link'))).toEqual([
      'link',
      'link',
      'error',
      'error',
      'error',
      'link',
    ])
    const second = await send('GET', path(links[1]))
    expect(second.body).toMatchObject({
      phenomenonTime: '2026-11-22T00:01:00.000Z',
      result: 11,
      resultQuality: 'estimated',
    })
    expect((await send('GET', path(links[5]))).body).toMatchObject({ result: -4.5 })
    expect((await send('POST', '/v1.1/CreateObservations', body)).body).toEqual(links)
    const unknown = await send('POST', '/v1.1/CreateObservations', [
      { ...body[0], components: ['result', 'parameters'] },
    ])
    expect(unknown.status).toBe(400)
    expect(String(unknown.body.message)).toMatch(/parameters is not stored/)
  })

  it('deletes an Observation; the latest value falls back to the one before', async () => {
    const older = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
      phenomenonTime: '2030-01-01T00:00:00Z',
      result: 1,
    })
    const newer = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
      phenomenonTime: '2030-01-01T00:01:00Z',
      result: 2,
    })
    const latest = async () =>
      (
        (await send('GET', `/v1.1/Datastreams(${temp})/Observations?$top=1`)).body.value as {
          result: number
        }[]
      )[0]
    expect((await latest())!.result).toBe(2)
    const del = await send('DELETE', path(newer.location))
    expect(del.status).toBe(200)
    expect((await send('GET', path(newer.location))).status).toBe(404)
    expect((await latest())!.result).toBe(1)
    expect((await send('DELETE', path(older.location))).status).toBe(200)
    expect((await send('DELETE', path(older.location))).status).toBe(404)
  })

  it('changes an Observation with PATCH (STA 10.3): own properties, a fitting result, a free phenomenonTime', async () => {
    const at = (m: number) => `2031-01-01T00:0${m}:00.000Z`
    const a = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
      phenomenonTime: at(0),
      result: 1,
    })
    const b = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
      phenomenonTime: at(1),
      result: 2,
      resultQuality: 'estimated',
    })
    const latest = async () =>
      (
        (await send('GET', `/v1.1/Datastreams(${temp})/Observations?$top=1`)).body.value as Record<
          string,
          unknown
        >[]
      )[0]
    expect((await latest())!.result).toBe(2)
    // a text result, a later time: the latest-value index follows
    const changed = await send('PATCH', path(a.location), { result: 'sensor fouled', phenomenonTime: at(2) })
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    expect(changed.body).toMatchObject({ result: 'sensor fouled', phenomenonTime: at(2), resultTime: at(0) })
    expect((await send('GET', path(a.location))).body).toEqual(changed.body)
    expect((await latest())!['@iot.id']).toBe(changed.body['@iot.id'])
    const cleared = await send('PATCH', path(b.location), { resultQuality: null, result: 2.5 })
    expect(cleared.body.resultQuality).toBeUndefined()
    expect(cleared.body.result).toBe(2.5)
    // refused, and nothing changed
    for (const [body, status, message] of [
      [{ phenomenonTime: at(2) }, 409, /already has one/],
      [{ result: [1, 2] }, 400, /arrays are for MultiDatastreams/],
      [{ Datastream: { '@iot.id': fill } }, 400, /Datastream/],
      [{ parameters: { x: 1 } }, 400, /parameters is not stored/],
      [{ phenomenonTime: 'yesterday' }, 400, /phenomenonTime/],
    ] as const) {
      const r = await send('PATCH', path(b.location), body)
      expect(r.status, JSON.stringify(body)).toBe(status)
      expect(JSON.stringify(r.body)).toMatch(message)
    }
    expect((await send('GET', path(b.location))).body).toEqual(cleared.body)
    expect((await send('PATCH', '/v1.1/Observations(999999999)', { result: 1 })).status).toBe(404)
    expect((await send('PATCH', path(b.location), { result: 3 }, READER)).status).toBe(403)
  })

  it('changes entities with PATCH: own properties only, 404 for none, 409 where two would be alike', async () => {
    const d = await store.provisionDevice(sampleProvision('w-2'))
    const r = await send('PATCH', `/v1.1/Things(${d.thingId})`, {
      name: 'Renamed',
      properties: { owner: 'AWM' },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body).toMatchObject({
      name: 'Renamed',
      properties: { owner: 'AWM' },
      description: 'test container',
    })
    expect((await send('GET', `/v1.1/Things(${d.thingId})`)).body).toEqual(r.body)
    const [loc] = (await send('GET', `/v1.1/Things(${d.thingId})/Locations`)).body.value as {
      '@iot.id': number
    }[]
    const moved = await send('PATCH', `/v1.1/Locations(${loc!['@iot.id']})`, {
      location: { type: 'Point', coordinates: [11.6, 48.2] },
    })
    expect(moved.body.location).toEqual({ type: 'Point', coordinates: [11.6, 48.2] })
    const ds = await send('PATCH', `/v1.1/Datastreams(${d.datastreams.fillingLevel!})`, {
      unitOfMeasurement: { name: 'per mille', symbol: '‰', definition: 'http://example.org/permille' },
    })
    expect(ds.body.unitOfMeasurement).toMatchObject({ symbol: '‰' })

    const cases: [string, unknown, number, RegExp][] = [
      [`/v1.1/Things(${d.thingId})`, { Datastreams: [] }, 400, /Datastreams|unrecognized/i],
      [`/v1.1/Things(${d.thingId})`, { name: '' }, 400, /name/],
      [
        `/v1.1/Locations(${loc!['@iot.id']})`,
        { location: { type: 'Point', coordinates: [200, 0] } },
        400,
        /location/,
      ],
      [`/v1.1/Things(987654)`, { name: 'x' }, 404, /no entity/],
    ]
    for (const [p, body, status, message] of cases) {
      const x = await send('PATCH', p, body)
      expect(x.status, `${p} ${JSON.stringify(body)}`).toBe(status)
      expect(String(x.body.message)).toMatch(message)
    }
    // two ObservedProperties may not share a definition
    const props = (await send('GET', '/v1.1/ObservedProperties')).body.value as {
      '@iot.id': number
      definition: string
    }[]
    const clash = await send('PATCH', `/v1.1/ObservedProperties(${props[0]!['@iot.id']})`, {
      definition: props[1]!.definition,
    })
    expect(clash.status).toBe(409)
    expect(clash.body.code).toBe('CONFLICT')
    expect((await send('PATCH', `/v1.1/Things(${d.thingId})`, { name: 'x' }, READER)).status).toBe(403)
  })

  it('deletes entities with what cannot exist without them (STA 10.4)', async () => {
    const d = await store.provisionDevice(sampleProvision('w-3'))
    const fillW3 = d.datastreams.fillingLevel!
    const o = await send('POST', `/v1.1/Datastreams(${fillW3})/Observations`, {
      phenomenonTime: '2026-11-01T00:00:00Z',
      result: 7,
    })
    // a Datastream takes its Observations
    expect((await send('DELETE', `/v1.1/Datastreams(${fillW3})`)).status).toBe(200)
    expect((await send('GET', path(o.location))).status).toBe(404)
    expect((await send('GET', `/v1.1/Datastreams(${fillW3})`)).status).toBe(404)
    const left = (await send('GET', `/v1.1/Things(${d.thingId})/Datastreams`)).body.value as unknown[]
    expect(left).toHaveLength(1)
    // a Thing takes its Datastreams, Locations and HistoricalLocations
    const [loc] = (await send('GET', `/v1.1/Things(${d.thingId})/Locations`)).body.value as {
      '@iot.id': number
    }[]
    const [hist] = (await send('GET', `/v1.1/Things(${d.thingId})/HistoricalLocations`)).body.value as {
      '@iot.id': number
    }[]
    expect((await send('DELETE', `/v1.1/Things(${d.thingId})`, undefined, READER)).status).toBe(403)
    expect((await send('DELETE', `/v1.1/Things(${d.thingId})`)).status).toBe(200)
    for (const gone of [
      `/v1.1/Things(${d.thingId})`,
      `/v1.1/Datastreams(${d.datastreams.temperature!})`,
      `/v1.1/Locations(${loc!['@iot.id']})`,
      `/v1.1/HistoricalLocations(${hist!['@iot.id']})`,
    ])
      expect((await send('GET', gone)).status, gone).toBe(404)
    expect((await send('DELETE', `/v1.1/Things(${d.thingId})`)).status).toBe(404)
    // a Sensor takes the Datastreams that use it
    const e = await store.provisionDevice({
      ...sampleProvision('w-4'),
      sensor: { name: 'only w-4', description: 'd', encodingType: 'text/html', metadata: 'm' },
    })
    const sensorId = (await send('GET', `/v1.1/Datastreams(${e.datastreams.temperature!})/Sensor`)).body[
      '@iot.id'
    ]
    expect((await send('DELETE', `/v1.1/Sensors(${String(sensorId)})`)).status).toBe(200)
    expect((await send('GET', `/v1.1/Things(${e.thingId})/Datastreams`)).body.value).toEqual([])
    expect((await send('GET', `/v1.1/Things(${e.thingId})`)).status).toBe(200)
  })

  it('never answers random bodies with a 5xx, and always with a JSON error (fuzz)', async () => {
    const target = fc.constantFrom(
      `/v1.1/Datastreams(${fill})/Observations`,
      '/v1.1/Observations',
      '/v1.1/CreateObservations',
    )
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          phenomenonTime: fc.oneof(
            fc.string(),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          resultTime: fc.oneof(fc.constant(null), fc.string()),
          result: fc.jsonValue(),
          resultQuality: fc.oneof(fc.string(), fc.constant(null)),
          Datastream: fc.oneof(
            fc.record({ '@iot.id': fc.oneof(fc.integer(), fc.constant(fill)) }),
            fc.jsonValue(),
          ),
          components: fc.array(fc.constantFrom('result', 'phenomenonTime', 'x')),
          dataArray: fc.array(fc.array(fc.jsonValue())),
        },
        { requiredKeys: [] },
      ),
    )
    await fc.assert(
      fc.asyncProperty(target, fc.oneof(value, fc.array(value, { maxLength: 3 })), async (p, body) => {
        const r = await send('POST', p, body)
        expect(r.status, `${p} ${JSON.stringify(body)}`).toBeLessThan(500)
        if (r.status >= 400) expect(typeof r.body.message).toBe('string')
      }),
      { numRuns: 400 },
    )
  }, 120_000)
})
