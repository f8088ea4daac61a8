import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { staticKeys } from './static-keys.ts'
import { sender, serve, type Body, type Served } from './serve.ts'

const OPERATOR = 'operator-key-0123456789'
const READER = 'reader-key-0123456789'

const unit = { name: 'percent', symbol: '%', definition: 'http://unitsofmeasure.org/ucum.html#para-29' }
const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement'
const sensor = {
  name: 'Ultrasonic 1',
  description: 'distance',
  encodingType: 'text/html',
  metadata: 'https://example.org/u1',
}
const fillLevel = { name: 'Fill level', definition: 'https://example.org/def/fill', description: 'How full' }
const place = (lon: number) => ({
  name: 'Site',
  description: 'Recycling island',
  encodingType: 'application/geo+json',
  location: { type: 'Point', coordinates: [lon, 48.14] },
})

describe('creating registry entities with deep insert (STA 10.2) over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    api = await serve({
      store,
      maxTop: 100,
      auth: staticKeys({ [OPERATOR]: 'operator', [READER]: 'reader' }),
    })
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const send = sender(() => api.base, OPERATOR)
  const get = (path: string) => send('GET', path, undefined, null)
  const count = async (set: string) => (await get(`/v1.1/${set}?$count=true&$top=0`)).body['@iot.count']

  it('creates a Thing with its Location and Datastreams, their Sensor and ObservedProperty inline', async () => {
    const r = await send('POST', '/v1.1/Things', {
      name: 'Container A',
      description: 'Smart used-clothing container',
      properties: { owner: 'AWM' },
      Locations: [place(11.57)],
      Datastreams: [
        {
          name: 'Fill level A',
          description: 'fill',
          unitOfMeasurement: unit,
          observationType: MEASUREMENT,
          Sensor: sensor,
          ObservedProperty: fillLevel,
        },
      ],
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body).toMatchObject({ name: 'Container A', properties: { owner: 'AWM' } })
    expect(r.location).toBe(r.body['@iot.selfLink'])
    const id = r.body['@iot.id']
    const thing = (
      await get(
        `/v1.1/Things(${id})?$expand=Locations,HistoricalLocations,Datastreams($expand=Sensor,ObservedProperty)`,
      )
    ).body as {
      Locations: Body[]
      HistoricalLocations: Body[]
      Datastreams: (Body & { Sensor: Body; ObservedProperty: Body })[]
    }
    expect(thing.Locations.map((l) => l.location)).toEqual([place(11.57).location])
    expect(thing.HistoricalLocations).toHaveLength(1)
    expect(thing.Datastreams).toHaveLength(1)
    expect(thing.Datastreams[0]).toMatchObject({
      name: 'Fill level A',
      unitOfMeasurement: unit,
      Sensor: { name: 'Ultrasonic 1' },
      ObservedProperty: { definition: fillLevel.definition },
    })
    // and it takes Observations at once
    const ds = thing.Datastreams[0]!['@iot.id']
    const o = await send('POST', `/v1.1/Datastreams(${ds})/Observations`, {
      phenomenonTime: '2026-11-23T08:00:00Z',
      result: 42,
    })
    expect(o.status).toBe(201)
    expect((await get(`/v1.1/Datastreams(${ds})/Observations`)).body.value?.map((x) => x.result)).toEqual([
      42,
    ])
  })

  it('creates a Datastream linked to what exists, reusing an ObservedProperty given again inline', async () => {
    const things = (await get('/v1.1/Things')).body.value!
    const sensors = (await get('/v1.1/Sensors')).body.value!
    const before = await count('ObservedProperties')
    const r = await send('POST', '/v1.1/Datastreams', {
      name: 'Fill level B',
      description: 'second',
      unitOfMeasurement: unit,
      observationType: MEASUREMENT,
      Thing: { '@iot.id': things[0]!['@iot.id'] },
      Sensor: { '@iot.id': sensors[0]!['@iot.id'] },
      ObservedProperty: fillLevel,
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(await count('ObservedProperties')).toBe(before)
    const op = (await get(`/v1.1/Datastreams(${r.body['@iot.id']})/ObservedProperty`)).body
    expect(op.definition).toBe(fillLevel.definition)
    // a Datastream with a new Thing inline
    const withThing = await send('POST', '/v1.1/Datastreams', {
      name: 'Fill level C',
      description: 'third',
      unitOfMeasurement: unit,
      observationType: MEASUREMENT,
      Thing: { name: 'Container C', description: 'new', Locations: [place(11.6)] },
      Sensor: { '@iot.id': sensors[0]!['@iot.id'] },
      ObservedProperty: { '@iot.id': op['@iot.id'] },
    })
    expect(withThing.status, JSON.stringify(withThing.body)).toBe(201)
    expect((await get(`/v1.1/Datastreams(${withThing.body['@iot.id']})/Thing`)).body.name).toBe('Container C')
  })

  it('moves a Thing with a new Location: it is where the Thing is now, and the old one is history', async () => {
    const thing = (await get('/v1.1/Things')).body.value![0]!
    const r = await send('POST', '/v1.1/Locations', {
      ...place(11.7),
      name: 'New site',
      Things: [{ '@iot.id': thing['@iot.id'] }],
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const now = (await get(`/v1.1/Things(${thing['@iot.id']})/Locations`)).body.value!
    expect(now.map((l) => l.name)).toEqual(['New site'])
    expect((await get(`/v1.1/Things(${thing['@iot.id']})/HistoricalLocations`)).body.value).toHaveLength(2)
  })

  it('creates through a navigation path, linked to the parent it names (STA 10.2.1.2)', async () => {
    const thing = (await get('/v1.1/Things')).body.value![0]!
    const sensorId = (await get('/v1.1/Sensors')).body.value![0]!['@iot.id']
    const opId = (await get('/v1.1/ObservedProperties')).body.value![0]!['@iot.id']
    const ds = { description: 'through a path', unitOfMeasurement: unit, observationType: MEASUREMENT }
    const r = await send('POST', `/v1.1/Things(${thing['@iot.id']})/Datastreams`, {
      ...ds,
      name: 'Via Thing',
      Sensor: { '@iot.id': sensorId },
      ObservedProperty: { '@iot.id': opId },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect((await get(`/v1.1/Datastreams(${r.body['@iot.id']})/Thing`)).body['@iot.id']).toBe(
      thing['@iot.id'],
    )
    const viaSensor = await send('POST', `/v1.1/Sensors(${sensorId})/Datastreams`, {
      ...ds,
      name: 'Via Sensor',
      Thing: { '@iot.id': thing['@iot.id'] },
      ObservedProperty: { '@iot.id': opId },
    })
    expect(viaSensor.status, JSON.stringify(viaSensor.body)).toBe(201)
    expect((await get(`/v1.1/Datastreams(${viaSensor.body['@iot.id']})/Sensor`)).body['@iot.id']).toBe(
      sensorId,
    )
    const viaOp = await send('POST', `/v1.1/ObservedProperties(${opId})/Datastreams`, {
      ...ds,
      name: 'Via ObservedProperty',
      Thing: { '@iot.id': thing['@iot.id'] },
      Sensor: { '@iot.id': sensorId },
    })
    expect(viaOp.status, JSON.stringify(viaOp.body)).toBe(201)
    const loc = await send('POST', `/v1.1/Things(${thing['@iot.id']})/Locations`, {
      ...place(11.8),
      name: 'Via path',
    })
    expect(loc.status, JSON.stringify(loc.body)).toBe(201)
    expect((await get(`/v1.1/Things(${thing['@iot.id']})/Locations`)).body.value!.map((l) => l.name)).toEqual(
      ['Via path'],
    )
    // the parent must exist, and the body must not name it again
    expect((await send('POST', '/v1.1/Things(424242)/Locations', place(11))).status).toBe(404)
    const twice = await send('POST', `/v1.1/Things(${thing['@iot.id']})/Locations`, {
      ...place(11),
      Things: [{ '@iot.id': thing['@iot.id'] }],
    })
    expect(twice.status).toBe(400)
    expect((await send('POST', `/v1.1/Things(${thing['@iot.id']})/Datastreams`, [ds])).status).toBe(400)
  })

  it('creates Sensors and ObservedProperties, and refuses a second one alike with a 409', async () => {
    const s = { ...sensor, name: 'Ultrasonic 2', metadata: 'https://example.org/u2' }
    expect((await send('POST', '/v1.1/Sensors', s)).status).toBe(201)
    expect((await send('POST', '/v1.1/Sensors', s)).status).toBe(409)
    const op = { name: 'Temperature', definition: 'https://example.org/def/t', description: 'air' }
    const created = await send('POST', '/v1.1/ObservedProperties', op)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject(op)
    expect((await send('POST', '/v1.1/ObservedProperties', op)).status).toBe(409)
  })

  it('refuses links to nothing, bad bodies and missing rights, and then has created nothing at all', async () => {
    const before = await Promise.all(
      ['Things', 'Locations', 'Datastreams', 'Sensors', 'ObservedProperties'].map(count),
    )
    const ds = { name: 'X', description: 'x', unitOfMeasurement: unit, observationType: MEASUREMENT }
    // the inline Thing would be created first: the whole request is one transaction
    const dangling = await send('POST', '/v1.1/Datastreams', {
      ...ds,
      Thing: { name: 'Ghost', description: 'never' },
      Sensor: { ...sensor, name: 'Ghost sensor', metadata: 'https://example.org/g' },
      ObservedProperty: { '@iot.id': 424242 },
    })
    expect(dangling.status).toBe(400)
    expect(String(dangling.body.message)).toMatch(/no ObservedProperty 424242/)
    expect(
      (await send('POST', '/v1.1/Locations', { ...place(11), Things: [{ '@iot.id': 424242 }] })).status,
    ).toBe(400)
    expect((await send('POST', '/v1.1/Locations', place(11))).status).toBe(400) // no Thing named
    expect((await send('POST', '/v1.1/Things', { name: 'T', description: 'd', colour: 'red' })).status).toBe(
      400,
    )
    expect(
      (
        await send('POST', '/v1.1/Things', {
          name: 'T',
          description: 'd',
          Datastreams: [{ ...ds, Sensor: { '@iot.id': 1, name: 'x' }, ObservedProperty: { '@iot.id': 1 } }],
        })
      ).status,
    ).toBe(400)
    expect((await send('POST', '/v1.1/Things', { name: 'T', description: 'd' }, null)).status).toBe(401)
    expect((await send('POST', '/v1.1/Things', { name: 'T', description: 'd' }, READER)).status).toBe(403)
    const after = await Promise.all(
      ['Things', 'Locations', 'Datastreams', 'Sensors', 'ObservedProperties'].map(count),
    )
    expect(after).toEqual(before)
  })

  it('never answers random bodies with a 5xx, and always with a JSON error (fuzz)', async () => {
    const link = fc.oneof(fc.record({ '@iot.id': fc.oneof(fc.integer(), fc.constant(1)) }), fc.jsonValue())
    const entity = fc.record(
      {
        name: fc.oneof(fc.string(), fc.jsonValue()),
        description: fc.string(),
        encodingType: fc.constantFrom('application/geo+json', 'text/html', 'x'),
        location: fc.oneof(fc.constant(place(11).location), fc.jsonValue()),
        metadata: fc.string(),
        definition: fc.string(),
        unitOfMeasurement: fc.oneof(fc.constant(unit), fc.jsonValue()),
        observationType: fc.constantFrom(MEASUREMENT, 'x'),
        Thing: link,
        Things: fc.array(link, { maxLength: 2 }),
        Sensor: fc.oneof(link, fc.constant(sensor)),
        ObservedProperty: fc.oneof(link, fc.constant(fillLevel)),
        Locations: fc.array(fc.oneof(fc.constant(place(11)), fc.jsonValue()), { maxLength: 2 }),
        Datastreams: fc.array(fc.jsonValue(), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Things', 'Locations', 'Sensors', 'ObservedProperties', 'Datastreams'),
        fc.oneof(entity, fc.jsonValue()),
        async (set, body) => {
          const r = await send('POST', `/v1.1/${set}`, body)
          expect(r.status, `${set} ${JSON.stringify(body)}`).toBeLessThan(500)
          if (r.status >= 400) expect(typeof r.body.message).toBe('string')
        },
      ),
      { numRuns: 400 },
    )
  }, 120_000)
})
