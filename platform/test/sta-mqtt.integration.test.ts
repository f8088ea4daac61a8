import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deviceKind } from '@urbantwin/devices'
import { provisionDevice } from '../src/provisioning.ts'
import { publishOutcome, startStaMqtt, waitFor, type StaMqttHarness } from './sta-mqtt-harness.ts'

const uplink = (fillingLevel: number, time: string) =>
  JSON.stringify({ time, fillingLevel, temperature: 9.5, batteryLevel: 0.8 })
/** Whole seconds in the past, distinct per call: phenomenonTimes the tests can name. */
let tick = 0
const pastSecond = () =>
  new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000 + 1000 * ++tick).toISOString()

describe('SensorThings MQTT extension (OGC 18-088 14.2): live Observations over TCP and WebSocket', () => {
  let h: StaMqttHarness
  let fill: number
  let temperature: number
  let otherFill: number

  beforeEach(async () => {
    h = await startStaMqtt()
    fill = h.devices.c1.datastreams.fillingLevel!
    temperature = h.devices.c1.datastreams.temperature!
    otherFill = h.devices.c2.datastreams.fillingLevel!
  })
  afterEach(() => h.close())

  const device = () => h.connect('tcp', { username: 'c-1', password: h.secrets.device })
  const gateway = (transport: 'tcp' | 'ws' = 'tcp') =>
    h.connect(transport, { username: 'gw', password: h.secrets.gateway })

  for (const transport of ['tcp', 'ws'] as const) {
    it(`delivers a device reading over ${transport} as the HTTP API serialises the Observation`, async () => {
      const sub = await h.connect(transport)
      await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
      const at = pastSecond()
      await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.425, at), { qos: 1 })
      const [got] = await waitFor(() => (h.messagesOf(sub).length ? h.messagesOf(sub) : undefined), 'message')
      expect(got!.topic).toBe(`v1.1/Datastreams(${fill})/Observations`)
      const id = got!.json['@iot.id'] as number
      expect(await h.getJson(`/v1.1/Observations(${id})`)).toEqual(got!.json)
      const stored = await h.store.observations(fill, { top: 1, skip: 0 })
      expect(stored.items[0]).toMatchObject({ id, result: 42.5, phenomenonTime: at })
      expect(got!.json).toMatchObject({
        '@iot.selfLink': `${h.httpBase}/v1.1/Observations(${id})`,
        phenomenonTime: at,
        result: 42.5,
        'Datastream@iot.navigationLink': `${h.httpBase}/v1.1/Observations(${id})/Datastream`,
      })
      await h.settled()
      expect(h.messagesOf(sub)).toHaveLength(1) // the temperature and battery readings are not on this topic
    })
  }

  it('delivers every new Observation on v1.1/Observations, and only the $select-ed properties', async () => {
    const all = await h.connect('ws')
    await all.subscribeAsync('v1.1/Observations')
    const some = await h.connect('tcp')
    await some.subscribeAsync(`v1.1/Datastreams(${fill})/Observations?$select=result,phenomenonTime`)
    await some.subscribeAsync('v1.1/Observations?$select=id')
    const at = pastSecond()
    await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.5, at), { qos: 1 })
    await h.settled()
    const ds = h.devices.c1.datastreams
    const mine = await waitFor(() => (h.messagesOf(all).length === 3 ? h.messagesOf(all) : undefined), '3')
    const ids = await Promise.all(
      [ds.fillingLevel!, ds.temperature!, ds.batteryLevel!].map(
        async (d) => (await h.store.observations(d, { top: 1, skip: 0 })).items[0]!.id,
      ),
    )
    expect(mine.map((m) => m.json['@iot.id']).sort()).toEqual([...ids].sort())
    const selected = await waitFor(
      () => (h.messagesOf(some).length === 4 ? h.messagesOf(some) : undefined),
      '4',
    )
    const onFill = selected.filter((m) => m.topic.startsWith('v1.1/Datastreams'))
    expect(onFill).toEqual([
      {
        topic: `v1.1/Datastreams(${fill})/Observations?$select=result,phenomenonTime`,
        json: { result: 50, phenomenonTime: at },
      },
    ])
    expect(Object.keys(onFill[0]!.json)).toEqual(['result', 'phenomenonTime']) // in the order asked
    const onIds = selected.filter((m) => m.topic === 'v1.1/Observations?$select=id')
    expect(onIds.map((m) => m.json).sort((a, b) => Number(a['@iot.id']) - Number(b['@iot.id']))).toEqual(
      [...ids].sort((a, b) => a - b).map((id) => ({ '@iot.id': id })),
    )
  })

  it('sends nothing on the topic of another Datastream', async () => {
    const sub = await h.connect('tcp')
    await sub.subscribeAsync([
      `v1.1/Datastreams(${otherFill})/Observations`,
      `v1.1/Datastreams(${fill})/Observations`,
    ])
    await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.1, pastSecond()), { qos: 1 })
    // then a reading of the other container, through the gateway: one connection delivers in order
    await (await gateway()).publishAsync('urbantwin/v1/devices/c-2/up', uplink(0.9, pastSecond()), { qos: 1 })
    await waitFor(
      () => h.messagesOf(sub).find((m) => m.topic === `v1.1/Datastreams(${otherFill})/Observations`),
      'the other container',
    )
    expect(h.messagesOf(sub).map((m) => [m.topic, m.json.result])).toEqual([
      [`v1.1/Datastreams(${fill})/Observations`, 10],
      [`v1.1/Datastreams(${otherFill})/Observations`, 90],
    ])
  })

  it('refuses topics it does not serve (SUBACK 0x80) and keeps the connection', async () => {
    const sub = await h.connect('tcp')
    for (const filter of [
      'v1.1/#',
      'v1.1/Things(1)/colour',
      `v1.1/Observations(1)/colour`,
      'v1.1/FeaturesOfInterest(1)/Observations',
      'v1.1/Observations?$filter=result gt 1',
      'v1.1/Observations?$select=colour',
      'v1.1/Datastreams(x)/Observations',
    ])
      await expect(sub.subscribeAsync(filter), filter).rejects.toThrow()
    expect(sub.connected).toBe(true)
    const granted = await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    expect(granted[0]?.qos).toBe(0)
  })

  it('never lets an anonymous client, a device or a reader key create Observations', async () => {
    const body = JSON.stringify({ result: 1, phenomenonTime: pastSecond() })
    const topic = `v1.1/Datastreams(${fill})/Observations`
    const watcher = await h.connect('tcp')
    await watcher.subscribeAsync(topic)
    expect(await publishOutcome(await h.connect('tcp'), topic, body)).toBe('closed')
    const anonymousWs = await h.connect('ws')
    anonymousWs.publish(topic, body, { qos: 0 }) // QoS 0: no PUBACK to wait for, only the disconnect
    await waitFor(() => (anonymousWs.connected ? undefined : true), 'the anonymous publisher disconnected')
    expect(await publishOutcome(await device(), topic, body)).toBe('closed')
    const reader = await h.connect('tcp', { username: 'apikey', password: h.keys.reader })
    expect(await publishOutcome(reader, topic, body)).toBe('closed')
    await expect(h.connect('tcp', { username: 'apikey', password: 'ut_000000000000_nope' })).rejects.toThrow(
      /Bad username or password/i,
    )
    expect(await h.count(fill)).toBe(0)
    // the broker still serves, and a legitimate create afterwards is the only thing subscribers see
    expect(await publishOutcome(await gateway(), topic, JSON.stringify({ result: 2 }))).toBe('acked')
    await waitFor(() => (h.messagesOf(watcher).length ? true : undefined), 'the legitimate Observation')
    expect(h.messagesOf(watcher).map((m) => m.json.result)).toEqual([2])
  })

  it('creates an Observation published by a gateway, stored before the PUBACK, then delivered', async () => {
    const sub = await h.connect('ws')
    await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    const at = pastSecond()
    const gw = await gateway()
    await gw.publishAsync(
      `v1.1/Datastreams(${fill})/Observations`,
      JSON.stringify({ phenomenonTime: at, result: 73.5, resultQuality: 'estimated' }),
      { qos: 1, retain: true },
    )
    // the PUBACK is in: the Observation is stored
    const stored = (await h.store.observations(fill, { top: 10, skip: 0 })).items
    expect(stored).toEqual([
      expect.objectContaining({
        phenomenonTime: at,
        resultTime: at,
        result: 73.5,
        resultQuality: 'estimated',
      }),
    ])
    const [got] = await waitFor(() => (h.messagesOf(sub).length ? h.messagesOf(sub) : undefined), 'delivery')
    expect(got!.json).toEqual(await h.getJson(`/v1.1/Observations(${stored[0]!.id})`))
    // the client's own message was input, not passed on, and not retained
    expect(h.messagesOf(sub)).toHaveLength(1)
    const late = await h.connect('tcp')
    await late.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    await gw.publishAsync(`v1.1/Datastreams(${fill})/Observations`, JSON.stringify({ result: 1 }), { qos: 1 })
    await waitFor(() => (h.messagesOf(late).length ? true : undefined), 'the next Observation')
    expect(h.messagesOf(late).map((m) => m.json.result)).toEqual([1])
  })

  it('creates with an API key login on v1.1/Observations with a Datastream link; a resend is not stored twice', async () => {
    const sub = await h.connect('tcp')
    await sub.subscribeAsync('v1.1/Observations')
    const at = pastSecond()
    const body = JSON.stringify({ phenomenonTime: at, result: 21.5, Datastream: { '@iot.id': temperature } })
    for (const key of [h.keys.operator, h.keys.device]) {
      const c = await h.connect('ws', { username: 'apikey', password: key })
      expect(await publishOutcome(c, 'v1.1/Observations', body)).toBe('acked')
    }
    expect(await h.count(temperature)).toBe(1)
    await waitFor(() => (h.messagesOf(sub).length ? true : undefined), 'delivery')
    const gw = await gateway()
    await gw.publishAsync(
      'v1.1/Observations',
      JSON.stringify({ result: 0, Datastream: { '@iot.id': fill } }),
      {
        qos: 1,
      },
    )
    await waitFor(() => (h.messagesOf(sub).length === 2 ? true : undefined), 'the sentinel')
    expect(h.messagesOf(sub).map((m) => m.json.result)).toEqual([21.5, 0])
  })

  it('refuses invalid Observations and unknown Datastreams with a logged reason, storing nothing', async () => {
    const warnings: Record<string, unknown>[] = []
    await h.close()
    h = await startStaMqtt({
      log: {
        ...(await import('@urbantwin/model')).silentLogger,
        warn: (o: unknown) => void warnings.push(o as Record<string, unknown>),
      },
    })
    fill = h.devices.c1.datastreams.fillingLevel!
    const cases: [string, string][] = [
      [`v1.1/Datastreams(${fill})/Observations`, '{"result": {"deep": 1}}'],
      [`v1.1/Datastreams(${fill})/Observations`, 'not json'],
      [`v1.1/Datastreams(${fill})/Observations`, '{"phenomenonTime": "2026-01-01T00:00:00Z"}'],
      ['v1.1/Datastreams(999999)/Observations', '{"result": 1}'],
      ['v1.1/Observations', '{"result": 1}'],
      [`v1.1/Datastreams(${fill})/Observations?$select=result`, '{"result": 1}'],
      ['v1.1/Things(1)', '{"result": 1}'],
    ]
    for (const [topic, payload] of cases)
      expect(await publishOutcome(await gateway(), topic, payload), topic).toBe('closed')
    expect(await h.count(fill)).toBe(0)
    expect(warnings.filter((w) => w.reason !== undefined).map((w) => String(w.reason))).toEqual([
      expect.stringMatching(/result/),
      'the message is not UTF-8 JSON',
      expect.stringMatching(/result/),
      'Datastream 999999 does not exist',
      expect.stringMatching(/needs its Datastream/),
      expect.stringMatching(/only delivers/),
      expect.stringMatching(/only Observations are created over MQTT/),
    ])
    expect(h.sta.stats().refused).toBe(cases.length)
  })

  it('delivers new and changed registry entities: sets, navigation collections, entities, properties', async () => {
    const sub = await h.connect('ws')
    const thingOf = h.devices.c1.thingId
    await sub.subscribeAsync([
      'v1.1/Things?$select=id,name',
      'v1.1/Datastreams',
      `v1.1/Things(${thingOf})/Locations`,
      `v1.1/Things(${thingOf})/HistoricalLocations`,
      'v1.1/FeaturesOfInterest',
      'v1.1/Sensors',
    ])
    const api = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${h.httpBase}/v1.1${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.keys.operator}` },
        body: JSON.stringify(body),
      })
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300)
      return (await res.json()) as Record<string, unknown>
    }
    // a deep insert: a Thing with a Datastream, its Sensor and ObservedProperty
    const thing = await api('POST', '/Things', {
      name: 'Weather mast',
      description: 'a mast',
      Datastreams: [
        {
          name: 'Air temperature',
          description: 'at 2 m',
          unitOfMeasurement: {
            name: 'degree Celsius',
            symbol: 'Cel',
            definition: 'http://unitsofmeasure.org/Cel',
          },
          observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
          Sensor: { name: 'PT100', description: 'probe', encodingType: 'text/plain', metadata: 'pt100' },
          ObservedProperty: {
            name: 'Air temperature',
            definition: 'https://example.org/air',
            description: 't',
          },
        },
      ],
    })
    const id = thing['@iot.id'] as number
    const datastreams = (await h.getJson(`/v1.1/Things(${id})/Datastreams`)).value as Record<
      string,
      unknown
    >[]
    const sensorId = (await h.store.datastream(datastreams[0]!['@iot.id'] as number))!.sensorId
    await waitFor(
      () => (h.messagesOf(sub).length >= 3 ? true : undefined),
      'the new Thing, Datastream, Sensor',
    )
    expect(h.messagesOf(sub)).toEqual([
      { topic: 'v1.1/Things?$select=id,name', json: { '@iot.id': id, name: 'Weather mast' } },
      { topic: 'v1.1/Sensors', json: await h.getJson(`/v1.1/Sensors(${sensorId})`) },
      { topic: 'v1.1/Datastreams', json: datastreams[0] },
    ])
    // a Location through the Thing's path: the Location, its FeatureOfInterest and the HistoricalLocation
    const watch = await h.connect('tcp')
    await watch.subscribeAsync([
      `v1.1/Things(${id})`,
      `v1.1/Things(${id})/name`,
      `v1.1/Things(${id})/description`,
    ])
    sub.end()
    const moved = await h.connect('tcp')
    await moved.subscribeAsync([
      `v1.1/Things(${thingOf})/Locations`,
      `v1.1/Things(${thingOf})/HistoricalLocations`,
      'v1.1/FeaturesOfInterest?$select=feature',
    ])
    const location = await api('POST', `/Things(${thingOf})/Locations`, {
      name: 'New site',
      description: 'moved',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [11.6, 48.1] },
    })
    const history = (
      (await h.getJson(`/v1.1/Things(${thingOf})/HistoricalLocations`)).value as Record<string, unknown>[]
    )[0]
    await waitFor(
      () => (h.messagesOf(moved).length >= 3 ? true : undefined),
      'Location, FoI, HistoricalLocation',
    )
    expect(h.messagesOf(moved)).toEqual([
      { topic: `v1.1/Things(${thingOf})/Locations`, json: location },
      {
        topic: 'v1.1/FeaturesOfInterest?$select=feature',
        json: { feature: { type: 'Point', coordinates: [11.6, 48.1] } },
      },
      { topic: `v1.1/Things(${thingOf})/HistoricalLocations`, json: history },
    ])
    // PATCH: the whole entity, and each changed property alone; an unchanged property says nothing
    const patched = await api('PATCH', `/Things(${id})`, { name: 'Weather mast 2' })
    await waitFor(() => (h.messagesOf(watch).length >= 2 ? true : undefined), 'the change')
    await h.settled()
    expect(h.messagesOf(watch)).toEqual([
      { topic: `v1.1/Things(${id})`, json: patched },
      { topic: `v1.1/Things(${id})/name`, json: { name: 'Weather mast 2' } },
    ])
    // an Observation's change (STA 10.3) on its own topics
    const obs = await api('POST', `/Datastreams(${h.devices.c1.datastreams.fillingLevel})/Observations`, {
      result: 40,
      phenomenonTime: pastSecond(),
    })
    const oid = obs['@iot.id'] as number
    const followed = await h.connect('ws')
    await followed.subscribeAsync([
      `v1.1/Observations(${oid})/result`,
      `v1.1/Observations(${oid})/phenomenonTime`,
    ])
    await api('PATCH', `/Observations(${oid})`, { result: 41 })
    const [fix] = await waitFor(
      () => (h.messagesOf(followed).length ? h.messagesOf(followed) : undefined),
      'the fix',
    )
    await h.settled()
    expect(h.messagesOf(followed)).toEqual([
      { topic: `v1.1/Observations(${oid})/result`, json: { result: 41 } },
    ])
    expect(fix!.json).toEqual({ result: 41 })
    // a newly provisioned device is a new Thing too
    const late = await h.connect('tcp')
    await late.subscribeAsync('v1.1/Things')
    const c3 = await provisionDevice(h.store, deviceKind('clothing-container')!, {
      deviceId: 'c-3',
      name: 'Container 3',
      lon: 11.59,
      lat: 48.16,
    })
    const [got] = await waitFor(() => (h.messagesOf(late).length ? h.messagesOf(late) : undefined), 'c-3')
    expect(got).toEqual({ topic: 'v1.1/Things', json: await h.getJson(`/v1.1/Things(${c3.thingId})`) })
  })

  it('delivers Observations created through the HTTP API', async () => {
    const sub = await h.connect('ws')
    await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    const res = await fetch(`${h.httpBase}/v1.1/Datastreams(${fill})/Observations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.keys.operator}` },
      body: JSON.stringify({ result: 12, phenomenonTime: pastSecond() }),
    })
    expect(res.status).toBe(201)
    const created = (await res.json()) as Record<string, unknown>
    const [got] = await waitFor(() => (h.messagesOf(sub).length ? h.messagesOf(sub) : undefined), 'delivery')
    expect(got!.json).toEqual(created)
  })

  it('resolves back-filled readings (not the newest) by their phenomenonTime', async () => {
    const sub = await h.connect('tcp')
    await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    const dev = await device()
    const newer = pastSecond()
    const older = new Date(Date.parse(newer) - 3_600_000).toISOString()
    await dev.publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.3, newer), { qos: 1 })
    await dev.publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.2, older), { qos: 1 })
    await h.settled()
    const got = await waitFor(() => (h.messagesOf(sub).length === 2 ? h.messagesOf(sub) : undefined), '2')
    const stored = (await h.store.observations(fill, { top: 10, skip: 0 })).items
    expect(got.map((m) => [m.json['@iot.id'], m.json.phenomenonTime, m.json.result])).toEqual(
      [newer, older].map((t) => {
        const o = stored.find((s) => s.phenomenonTime === t)!
        return [o.id, t, o.result]
      }),
    )
  })

  it('does no lookups while nobody subscribes', async () => {
    let lookups = 0
    const latest = h.store.latestObservations.bind(h.store)
    h.store.latestObservations = (ids) => (lookups++, latest(ids))
    await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.4, pastSecond()), { qos: 1 })
    await h.settled()
    expect(await h.count(fill)).toBe(1)
    expect(lookups).toBe(0)
    const sub = await h.connect('tcp')
    await sub.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.6, pastSecond()), { qos: 1 })
    await waitFor(() => (h.messagesOf(sub).length ? true : undefined), 'delivery')
    expect(lookups).toBeGreaterThan(0)
    await sub.unsubscribeAsync(`v1.1/Datastreams(${fill})/Observations`)
    lookups = 0
    await (await device()).publishAsync('urbantwin/v1/devices/c-1/up', uplink(0.7, pastSecond()), { qos: 1 })
    await h.settled()
    expect(lookups).toBe(0)
  })
})

describe('SensorThings MQTT extension with anonymous read off', () => {
  let h: StaMqttHarness
  beforeEach(async () => {
    h = await startStaMqtt({ anonymousRead: false })
  })
  afterEach(() => h.close())

  it('refuses anonymous subscribers and keys without read, and serves reader keys', async () => {
    const topic = `v1.1/Datastreams(${h.devices.c1.datastreams.fillingLevel})/Observations`
    await expect((await h.connect('ws')).subscribeAsync(topic)).rejects.toThrow()
    const deviceKey = await h.connect('tcp', { username: 'apikey', password: h.keys.device })
    await expect(deviceKey.subscribeAsync(topic)).rejects.toThrow()
    const reader = await h.connect('ws', { username: 'apikey', password: h.keys.reader })
    expect((await reader.subscribeAsync(topic))[0]?.qos).toBe(0)
  })
})
