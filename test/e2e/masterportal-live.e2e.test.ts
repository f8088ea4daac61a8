import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  NO_SIMULATION,
  eventually,
  registerContainer,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

type Json = Record<string, unknown>
type Observation = Json & { '@iot.id': number; result: unknown; phenomenonTime: string }
type Datastream = Json & { '@iot.id': number; name: string; Observations: Observation[] }
type Thing = Json & { '@iot.id': number; Locations: Json[]; Datastreams: Datastream[] }

/** What Masterportal's SensorThings layer asks for first: every Thing with its newest Observations. */
const MASTERPORTAL_QUERY =
  '$expand=' +
  encodeURIComponent('Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))')

describe('a Masterportal-style client lists Things with their latest Observations, then follows them live', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess
  let live: MqttClient | undefined

  beforeAll(async () => {
    platform = await startPlatformProcess({ dataDir: tmp.dir, env: { ...NO_SIMULATION } })
  }, 90_000)
  afterAll(async () => {
    await live?.endAsync(true)
    await platform?.stop()
    tmp.remove()
  })

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(platform.base + path)
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  /** A container's reading, as the device sends it over MQTT (TCP) with its own token. */
  const publishReading = async (login: { username: string; password: string }, fillingLevel: number) => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      ...login,
      reconnectPeriod: 0,
    })
    try {
      const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString()
      await device.publishAsync(
        `urbantwin/v1/devices/${login.username}/up`,
        JSON.stringify({ time, fillingLevel, temperature: 8, batteryLevel: 0.9 }),
        { qos: 1 },
      )
      return time
    } finally {
      await device.endAsync()
    }
  }

  it('gets the live update over MQTT-over-WebSocket in the shape the HTTP API gave', async () => {
    const container = await registerContainer(platform, 'mp-container-1')
    const fill = container.datastreams.fillingLevel!
    await publishReading(container.mqtt, 0.25)
    await eventually(
      async () =>
        (await getJson<{ value: Json[] }>(`/v1.1/Datastreams(${fill})/Observations`)).value[0]
          ? true
          : undefined,
      'the first reading stored',
    )

    // 1. the portal's initial load
    const things = await getJson<{ value: Thing[] }>(`/v1.1/Things?${MASTERPORTAL_QUERY}`)
    const thing = things.value.find((t) => t['@iot.id'] === container.thingId)!
    expect(thing.Locations[0]).toMatchObject({ location: { type: 'Point', coordinates: [11.57, 48.14] } })
    const datastream = thing.Datastreams.find((d) => d['@iot.id'] === fill)!
    expect(datastream.Observations).toHaveLength(1)
    const initial = datastream.Observations[0]!
    expect(initial.result).toBe(25)

    // 2. then it follows the Datastream live, over the broker's WebSocket on the HTTP port
    live = await mqtt.connectAsync(`ws://127.0.0.1:${platform.httpPort}/mqtt`, { reconnectPeriod: 0 })
    const updates: Observation[] = []
    live.on('message', (_topic, payload) => updates.push(JSON.parse(payload.toString('utf8')) as Observation))
    await live.subscribeAsync(`v1.1/Datastreams(${fill})/Observations`)

    const at = await eventually(async () => {
      // a reading in the same second as the first would be the same Observation: wait for the next second
      const t = await publishReading(container.mqtt, 0.75)
      return t !== initial.phenomenonTime ? t : undefined
    }, 'a new phenomenonTime')
    const update = await eventually(
      async () => updates.find((u) => u.phenomenonTime === at),
      'the live update',
    )

    // the same entity shape as the HTTP API, and the very Observation it now serves as the latest
    expect(Object.keys(update).sort()).toEqual(Object.keys(initial).sort())
    expect(update.result).toBe(75)
    expect(update['@iot.id']).not.toBe(initial['@iot.id'])
    expect(update).toEqual(await getJson(`/v1.1/Observations(${update['@iot.id']})`))
    const again = await getJson<{ value: Thing[] }>(`/v1.1/Things?${MASTERPORTAL_QUERY}`)
    const latest = again.value
      .find((t) => t['@iot.id'] === container.thingId)!
      .Datastreams.find((d) => d['@iot.id'] === fill)!.Observations[0]
    expect(latest).toEqual(update)
  })

  it('learns of a newly registered container and of a renamed one over MQTT, as the API serves them', async () => {
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${platform.httpPort}/mqtt`, { reconnectPeriod: 0 })
    try {
      const got: { topic: string; json: Json }[] = []
      client.on('message', (topic, payload) =>
        got.push({ topic, json: JSON.parse(payload.toString('utf8')) as Json }),
      )
      await client.subscribeAsync(['v1.1/Things', 'v1.1/Locations?$select=location'])
      const container = await registerContainer(platform, 'mp-container-2')
      const thing = await eventually(
        async () => got.find((m) => m.topic === 'v1.1/Things')?.json,
        'the new Thing',
      )
      expect(thing).toEqual(await getJson(`/v1.1/Things(${container.thingId})`))
      // each change is its own message, delivered after its entity is read: the Location follows
      const location = await eventually(
        async () => got.find((m) => m.topic.startsWith('v1.1/Locations'))?.json,
        'the new Location',
      )
      expect(location).toEqual({ location: { type: 'Point', coordinates: [11.57, 48.14] } })
      // an operator renames it: followers of the Thing hear of it
      await client.subscribeAsync(`v1.1/Things(${container.thingId})/name`)
      const res = await fetch(`${platform.base}/v1.1/Things(${container.thingId})`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secretsOf(platform).apiAdminKey}` },
        body: JSON.stringify({ name: 'Container at the town hall' }),
      })
      expect(res.status).toBe(200)
      const renamed = await eventually(
        async () => got.find((m) => m.topic.endsWith('/name'))?.json,
        'the new name',
      )
      expect(renamed).toEqual({ name: 'Container at the town hall' })
    } finally {
      await client.endAsync(true)
    }
  })
})
