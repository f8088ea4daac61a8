import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventually,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

type Collection = { value: Record<string, unknown>[]; '@iot.count'?: number }

describe('a city operator runs `npm start` and a container reading reaches the open-data API', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess
  let apiKey: string
  const startedAt = Date.now()

  beforeAll(async () => {
    platform = await startPlatformProcess({
      dataDir: tmp.dir,
      env: { SIM_CONTAINERS: '3', SIM_ACCESS_POINTS: '0', SIM_SURVEYS: '0', SIM_SPEED: '7200' },
    })
    apiKey = secretsOf(platform).apiAdminKey
  }, 90_000)

  afterAll(async () => {
    await platform?.stop()
    tmp.remove()
  })

  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(platform.base + path)
    if (!res.ok) throw new Error(`${path}: ${res.status}`)
    return (await res.json()) as T
  }

  it('stores the simulated fleet at real Munich sites and serves it as SensorThings Things', async () => {
    const firstStored = await eventually(async () => {
      const layer = await getJson<{ features: { properties: { fillLevel: number | null } }[] }>(
        '/api/layers/containers',
      )
      return layer.features.length === 3 && layer.features.every((f) => f.properties.fillLevel !== null)
        ? layer
        : undefined
    }, 'simulated readings in the container layer')
    console.info(
      `start-up to first simulated observations stored: ${Date.now() - startedAt} ms (incl. process start)`,
    )
    expect(firstStored.features).toHaveLength(3)
    const things = await getJson<Collection>('/v1.1/Things?$count=true')
    expect(things['@iot.count']).toBe(3)
    expect(String(things.value[0]?.name)).toMatch(/^Altkleidercontainer /)
  })

  it('registers a device, takes its MQTT reading and serves it at /v1.1/Datastreams(id)/Observations', async () => {
    const res = await fetch(`${platform.base}/api/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        deviceId: 'e2e-container-1',
        kind: 'clothing-container',
        name: 'E2E container at Marienplatz',
        address: 'Marienplatz 1',
        lon: 11.5755,
        lat: 48.1374,
      }),
    })
    expect(res.status).toBe(201)
    const device = (await res.json()) as {
      thingId: number
      datastreams: Record<string, number>
      mqtt: { username: string; password: string; topic: string }
    }
    const measuredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString()
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      username: device.mqtt.username,
      password: device.mqtt.password,
      reconnectPeriod: 0,
    })
    try {
      await client.publishAsync(
        device.mqtt.topic,
        JSON.stringify({ time: measuredAt, fillingLevel: 0.425, temperature: 9.5, batteryLevel: 0.8 }),
        { qos: 1 },
      )
    } finally {
      await client.endAsync()
    }
    const fill = device.datastreams.fillingLevel
    const obs = await eventually(async () => {
      const c = await getJson<Collection>(`/v1.1/Datastreams(${fill})/Observations`)
      return c.value.length > 0 ? c.value : undefined
    }, 'the observation in the API')
    expect(obs[0]).toMatchObject({
      result: 42.5,
      phenomenonTime: measuredAt,
      '@iot.selfLink': expect.stringMatching(/\/v1\.1\/Observations\(\d+\)$/),
    })
    const ds = await getJson<Record<string, unknown>>(`/v1.1/Datastreams(${fill})`)
    expect(ds.unitOfMeasurement).toMatchObject({ symbol: '%' })
    const thing = await getJson<Record<string, unknown>>(`/v1.1/Things(${device.thingId})`)
    expect(thing.name).toBe('E2E container at Marienplatz')
  })

  it('rejects a garbage payload with a logged reason and keeps serving', async () => {
    const secrets = JSON.parse(readFileSync(join(platform.dataDir, 'secrets.json'), 'utf8')) as {
      simulatorPassword: string
    }
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      username: 'urbantwin-simulator',
      password: secrets.simulatorPassword,
      reconnectPeriod: 0,
    })
    try {
      await client.publishAsync('urbantwin/v1/devices/e2e-container-1/up', '{"fillingLevel": "very full"}', {
        qos: 1,
      })
    } finally {
      await client.endAsync()
    }
    const line = await platform.waitForLog(
      (l) => l.msg === 'uplink rejected' && l.topic === 'urbantwin/v1/devices/e2e-container-1/up',
      'rejection log',
    )
    expect(String(line.reason)).toMatch(/fillingLevel/)
    // and it is kept in quarantine for operators, with the reason
    const q = await eventually(async () => {
      const res = await fetch(`${platform.base}/api/quarantine?category=schema`, {
        headers: { authorization: `Bearer ${apiKey}` },
      })
      const body = (await res.json()) as { count: number; value: { reason: string; topic: string }[] }
      return body.count > 0 ? body : undefined
    }, 'the quarantined message')
    expect(q.value[0]).toMatchObject({
      topic: 'urbantwin/v1/devices/e2e-container-1/up',
      reason: expect.stringMatching(/fillingLevel/),
    })
    // and counted in the operator's Prometheus metrics
    expect((await fetch(`${platform.base}/metrics`)).status).toBe(401)
    const metrics = await (
      await fetch(`${platform.base}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).text()
    expect(metrics).toMatch(/^urbantwin_quarantine_total\{category="schema"\} 1$/m)
    expect(metrics).toMatch(/^urbantwin_wal_backlog_records \d+$/m)
    expect((await fetch(`${platform.base}/api/health`)).status).toBe(200)
  })

  it('refuses anonymous MQTT writes and never logs the secrets', async () => {
    const anon = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { reconnectPeriod: 0 })
    anon.publish('urbantwin/v1/devices/e2e-container-1/up', '{"fillingLevel":0.99}', { qos: 1 })
    await eventually(async () => (anon.connected ? undefined : true), 'anonymous writer disconnected')
    await anon.endAsync(true)
    await platform.waitForLog((l) => l.msg === 'mqtt publish refused', 'refusal log')
    const { apiAdminKey, simulatorPassword } = secretsOf(platform)
    const all = JSON.stringify(platform.logs)
    expect(all).not.toContain(apiAdminKey)
    expect(all).not.toContain(simulatorPassword)
    // the admin key is shown once on the terminal (stderr) and kept only hashed at rest
    expect(platform.stderr.join('\n')).toContain(apiAdminKey)
    expect(readFileSync(join(platform.dataDir, 'api-keys.json'), 'utf8')).not.toContain(apiAdminKey.slice(16))
    expect(readFileSync(join(platform.dataDir, 'secrets.json'), 'utf8')).not.toContain(apiAdminKey)
  })

  it('answers bad HTTP input with a JSON 4xx', async () => {
    const res = await fetch(`${platform.base}/v1.1/Things?$top=banana`)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST' })
  })
})
