import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { staticKeys } from './static-keys.ts'
import { sender, serve, type Served } from './serve.ts'

const OPERATOR = 'operator-key-0123456789'
type Json = Record<string, unknown>

const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/'
const celsius = {
  name: 'degree Celsius',
  symbol: 'Cel',
  definition: 'http://unitsofmeasure.org/ucum.html#para-30',
}
const percent = { name: 'percent', symbol: '%', definition: 'http://unitsofmeasure.org/ucum.html#para-29' }
const none = { name: 'none', symbol: '', definition: '' }
const station = {
  name: 'Weather station Marienplatz',
  description: 'air temperature, humidity and the state of its lid',
  unitOfMeasurements: [celsius, percent, none],
  observationType: `${OM}OM_ComplexObservation`,
  multiObservationDataTypes: [`${OM}OM_Measurement`, `${OM}OM_Measurement`, `${OM}OM_CategoryObservation`],
}
const sensor = { name: 'SHT31', description: 'T/RH', encodingType: 'text/plain', metadata: 'sht31' }
const op = (name: string) => ({ name, definition: `https://example.org/def/${name}`, description: name })

describe('MultiDatastreams (STA 8.2.9) over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let thingId: number
  let multiId: number
  let opIds: number[]

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    api = await serve({ store, maxTop: 100, auth: staticKeys({ [OPERATOR]: 'operator' }) })
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const send = sender(() => api.base, OPERATOR)
  const get = (path: string) => send('GET', `/v1.1${path}`)
  const value = async (path: string) => {
    const r = await get(path)
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200)
    return r.body.value!
  }

  it('creates a Thing with a MultiDatastream inline, its Sensor and ObservedProperties new or linked', async () => {
    const existing = await send('POST', '/v1.1/ObservedProperties', op('humidity'))
    expect(existing.status).toBe(201)
    const humidity = existing.body['@iot.id'] as number
    const r = await send('POST', '/v1.1/Things', {
      name: 'Station',
      description: 'a mast',
      MultiDatastreams: [
        {
          ...station,
          Sensor: sensor,
          ObservedProperties: [op('temperature'), { '@iot.id': humidity }, op('lid')],
        },
      ],
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    thingId = r.body['@iot.id'] as number
    const [m] = await value(`/Things(${thingId})/MultiDatastreams`)
    multiId = m!['@iot.id'] as number
    expect(m).toMatchObject({ ...station, '@iot.selfLink': `${api.base}/v1.1/MultiDatastreams(${multiId})` })
    for (const nav of ['Thing', 'Sensor', 'ObservedProperties', 'Observations'])
      expect(m![`${nav}@iot.navigationLink`]).toBe(`${api.base}/v1.1/MultiDatastreams(${multiId})/${nav}`)
    // in the order of the results' elements; the linked one is that one
    const ops = await value(`/MultiDatastreams(${multiId})/ObservedProperties`)
    expect(ops.map((o) => o.name)).toEqual(['temperature', 'humidity', 'lid'])
    opIds = ops.map((o) => o['@iot.id'] as number)
    expect(opIds[1]).toBe(humidity)
    expect((await get(`/MultiDatastreams(${multiId})/Thing`)).body.name).toBe('Station')
    const s = (await get(`/MultiDatastreams(${multiId})/Sensor`)).body
    expect(s.name).toBe('SHT31')
    expect((await value(`/Sensors(${s['@iot.id']})/MultiDatastreams`)).map((x) => x['@iot.id'])).toEqual([
      multiId,
    ])
    expect(
      (await value(`/ObservedProperties(${humidity})/MultiDatastreams`)).map((x) => x['@iot.id']),
    ).toEqual([multiId])
    expect((await get(`/Things(${thingId})`)).body['MultiDatastreams@iot.navigationLink']).toBe(
      `${api.base}/v1.1/Things(${thingId})/MultiDatastreams`,
    )
    // a MultiDatastream is not a Datastream (one id sequence: no Datastream has its id)
    expect((await get(`/Datastreams(${multiId})`)).status).toBe(404)
  })

  it('refuses a MultiDatastream whose units or types do not match its ObservedProperties', async () => {
    const bad = await send('POST', '/v1.1/MultiDatastreams', {
      ...station,
      unitOfMeasurements: [celsius],
      Thing: { '@iot.id': thingId },
      Sensor: sensor,
      ObservedProperties: [op('temperature'), op('humidity')],
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toMatch(/unitOfMeasurements.*1 entries for 2 ObservedProperties/)
    const wrongType = await send('POST', '/v1.1/MultiDatastreams', {
      ...station,
      observationType: `${OM}OM_Measurement`,
      Thing: { '@iot.id': thingId },
      Sensor: sensor,
      ObservedProperties: [op('a'), op('b'), op('c')],
    })
    expect(wrongType.status).toBe(400)
    expect((await value('/MultiDatastreams')).length).toBe(1)
  })

  it('creates Observations whose results are arrays typed per ObservedProperty, and reads them back', async () => {
    const path = `/v1.1/MultiDatastreams(${multiId})/Observations`
    const at = (m: number) => new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString()
    const first = await send('POST', path, { phenomenonTime: at(0), result: [4.5, 81, 'closed'] })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    const id = first.body['@iot.id'] as number
    expect(first.body).toMatchObject({
      result: [4.5, 81, 'closed'],
      'MultiDatastream@iot.navigationLink': `${api.base}/v1.1/Observations(${id})/MultiDatastream`,
    })
    expect(first.body['Datastream@iot.navigationLink']).toBeUndefined()
    expect((await get(`/Observations(${id})/MultiDatastream`)).body['@iot.id']).toBe(multiId)
    expect((await get(`/Observations(${id})/Datastream`)).status).toBe(404)
    // through /Observations with a link, a value not observed this time as null
    const second = await send('POST', '/v1.1/Observations', {
      phenomenonTime: at(1),
      result: [5, null, 'open'],
      MultiDatastream: { '@iot.id': multiId },
    })
    expect(second.status).toBe(201)
    for (const [result, message] of [
      [[4.5, 81], /needs 3 values, not 2/],
      [[4.5, 'wet', 'closed'], /result\[1\] must be a number/],
      [[4.5, 81, 3], /result\[2\] must be a string/],
      [4.5, /is an array of 3 values/],
    ] as const) {
      const r = await send('POST', path, { phenomenonTime: at(9), result })
      expect(r.status, JSON.stringify(result)).toBe(400)
      expect(JSON.stringify(r.body)).toMatch(message)
    }
    const again = await send('POST', path, { phenomenonTime: at(0), result: [1, 1, 'x'] })
    expect(again.status).toBe(409)
    expect(
      (await send('POST', '/v1.1/MultiDatastreams(999999)/Observations', { result: [1, 2, 'a'] })).status,
    ).toBe(404)
    const list = await value(`/MultiDatastreams(${multiId})/Observations`)
    expect(list.map((o) => o.result)).toEqual([
      [5, null, 'open'],
      [4.5, 81, 'closed'],
    ])
    // filters reach them through the MultiDatastream, and compare array elements as JSON
    expect(
      (await value(`/Observations?$filter=${encodeURIComponent(`MultiDatastream/@iot.id eq ${multiId}`)}`))
        .length,
    ).toBe(2)
    const named = `MultiDatastream/name eq '${station.name}'`
    expect((await value(`/Observations?$filter=${encodeURIComponent(named)}`)).length).toBe(2)
    expect(
      (await value(`/Observations?$filter=${encodeURIComponent("Datastream/name eq 'x'")}`)).length,
    ).toBe(0)
  })

  it('creates many with CreateObservations: a row that does not fit is "error"', async () => {
    const r = await send('POST', '/v1.1/CreateObservations', [
      {
        MultiDatastream: { '@iot.id': multiId },
        components: ['phenomenonTime', 'result'],
        dataArray: [
          ['2026-11-23T09:00:00Z', [6, 70, 'closed']],
          ['2026-11-23T09:01:00Z', [6, 70]],
        ],
      },
    ])
    expect(r.status).toBe(201)
    expect(r.body).toEqual([expect.stringMatching(/\/Observations\(\d+\)$/), 'error'])
    const rows = (await get(`/MultiDatastreams(${multiId})/Observations?$resultFormat=dataArray&$top=1`)).body
      .value as Json[]
    expect(rows[0]).toMatchObject({
      'MultiDatastream@iot.navigationLink': `${api.base}/v1.1/MultiDatastreams(${multiId})`,
      dataArray: [
        [
          expect.any(Number),
          '2026-11-23T09:00:00.000Z',
          '2026-11-23T09:00:00.000Z',
          [6, 70, 'closed'],
          null,
          null,
          null,
        ],
      ],
    })
  })

  it('expands in both directions, with the latest Observation from the index, and filters by its properties', async () => {
    const q = encodeURIComponent(
      'MultiDatastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc;$select=result))',
    )
    const [thing] = await value(`/Things?$filter=id eq ${thingId}&$expand=${q}`)
    expect(thing!.MultiDatastreams).toEqual([
      { name: station.name, Observations: [{ result: [6, 70, 'closed'] }] },
    ])
    const m = (
      await get(`/MultiDatastreams(${multiId})?$expand=ObservedProperties($select=name),Thing($select=name)`)
    ).body
    expect(m.ObservedProperties).toEqual([{ name: 'temperature' }, { name: 'humidity' }, { name: 'lid' }])
    expect(m.Thing).toEqual({ name: 'Station' })
    const [o] = await value(`/Observations?$top=1&$expand=MultiDatastream($select=id)`)
    expect(o!.MultiDatastream).toEqual({ '@iot.id': multiId })
    const f = (s: string) => value(`/MultiDatastreams?$filter=${encodeURIComponent(s)}`)
    expect(await f(`Thing/name eq 'Station'`)).toHaveLength(1)
    // an element of a list property by its index, as in the evaluator
    expect(await f(`unitOfMeasurements/0/symbol eq 'Cel'`)).toHaveLength(1)
    expect(await f(`unitOfMeasurements/1/symbol eq 'Cel'`)).toHaveLength(0)
    expect(await f(`name eq 'nothing'`)).toHaveLength(0)
    expect((await value(`/MultiDatastreams?$select=multiObservationDataTypes`))[0]).toEqual({
      multiObservationDataTypes: station.multiObservationDataTypes,
    })
  })

  it('changes a MultiDatastream, keeping one unit per ObservedProperty', async () => {
    const ok = await send('PATCH', `/v1.1/MultiDatastreams(${multiId})`, { name: 'Station 2' })
    expect(ok.status).toBe(200)
    expect(ok.body.name).toBe('Station 2')
    const bad = await send('PATCH', `/v1.1/MultiDatastreams(${multiId})`, { unitOfMeasurements: [celsius] })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toMatch(/1 entries; MultiDatastream \d+ has 3 ObservedProperties/)
    expect((await send('PATCH', '/v1.1/MultiDatastreams(999999)', { name: 'x' })).status).toBe(404)
  })

  it('deletes with what cannot exist without it: an ObservedProperty takes the MultiDatastream and its Observations', async () => {
    const obs = await value(`/MultiDatastreams(${multiId})/Observations`)
    expect(obs.length).toBe(3)
    expect((await send('DELETE', `/v1.1/ObservedProperties(${opIds[2]})`)).status).toBe(200)
    expect((await get(`/MultiDatastreams(${multiId})`)).status).toBe(404)
    for (const o of obs) expect((await get(`/Observations(${o['@iot.id']})`)).status).toBe(404)
    // the other ObservedProperties, the Sensor and the Thing stay
    expect((await get(`/ObservedProperties(${opIds[0]})`)).status).toBe(200)
    expect((await get(`/Things(${thingId})`)).status).toBe(200)
    // a Thing takes its MultiDatastreams
    const made = await send('POST', `/v1.1/Things(${thingId})/MultiDatastreams`, {
      ...station,
      unitOfMeasurements: [celsius],
      multiObservationDataTypes: [`${OM}OM_Measurement`],
      Sensor: sensor,
      ObservedProperties: [{ '@iot.id': opIds[0] }],
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect((await send('DELETE', `/v1.1/Things(${thingId})`)).status).toBe(200)
    expect((await get(`/MultiDatastreams(${made.body['@iot.id']})`)).status).toBe(404)
    expect(await value('/MultiDatastreams')).toEqual([])
  })
})
