import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import {
  NO_SIMULATION,
  eventually,
  registerDevice,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

type Json = Record<string, unknown>
type Collection<T = Json> = { value: T[]; '@iot.count'?: number }
type Obs = { phenomenonTime: string; result: (number | null)[]; parameters?: { suppressed?: number[] } }

const HOUR = 3_600_000
const ANSWERS = ['yes', 'no', 'unsure'] as const
const GENDERS = ['female', 'male', 'diverse', 'unspecified'] as const

/** A day of splash-page answers with small and large cells: hour h, answer a, gender g. */
const count = (h: number, a: number, g: number) => ((h * 7 + a * 5 + g * 3) * 37) % 29

/**
 * A WLAN operator adds the micro-survey to a hotspot of `npm start`: each hour's answers by gender
 * arrive over MQTT as one MultiDatastream Observation; the public sees them with small cells
 * suppressed, an operator sees the stored counts.
 */
describe('survey answers by gender: one MultiDatastream per hotspot, suppressed for the public', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess | undefined
  afterAll(async () => {
    await platform?.stop()
    tmp.remove()
  })

  it('serves each hour as 15 counts, with no public count below 10 and none recoverable from a total', async () => {
    platform = await startPlatformProcess({ dataDir: tmp.dir, env: NO_SIMULATION })
    const base = platform.base
    const operator = { authorization: `Bearer ${secretsOf(platform).apiAdminKey}` }
    const device = await registerDevice(platform, {
      deviceId: 'survey-e2e-1',
      kind: 'hotspot-survey',
      name: 'Umfrage M-WLAN Marienplatz',
      lon: 11.5755,
      lat: 48.1374,
      properties: { question: 'safe-at-night' },
    })
    const id = device.datastreams.answers!
    const lastHour = Math.floor(Date.now() / HOUR) * HOUR - HOUR
    const hours = Array.from({ length: 24 }, (_, h) => lastHour - (23 - h) * HOUR)
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      username: device.mqtt.username,
      password: device.mqtt.password,
      reconnectPeriod: 0,
    })
    try {
      for (const [h, start] of hours.entries()) {
        const answers = Object.fromEntries(
          ANSWERS.map((a, ai) => [a, Object.fromEntries(GENDERS.map((g, gi) => [g, count(h, ai, gi)]))]),
        )
        const payload = { periodStart: new Date(start).toISOString(), question: 'safe-at-night', answers }
        await client.publishAsync(device.mqtt.topic, JSON.stringify(payload), { qos: 1 })
      }
    } finally {
      await client.endAsync()
    }

    const get = async <T>(path: string, headers: Record<string, string> = {}): Promise<T> => {
      const res = await fetch(`${base}/v1.1/${path}`, { headers })
      expect(res.status, path).toBe(200)
      return (await res.json()) as T
    }
    const q = encodeURIComponent
    const thing = await get<Json & { Datastreams: Json[]; MultiDatastreams: Json[] }>(
      `Things(${device.thingId})?$expand=Datastreams,MultiDatastreams`,
    )
    expect(thing.Datastreams).toEqual([]) // no per-cell streams: a cell alone could not be protected
    expect(thing.MultiDatastreams).toMatchObject([
      {
        '@iot.id': id,
        name: 'Survey answers per hour of Umfrage M-WLAN Marienplatz',
        properties: { disaggregation: { byGender: true, provenance: 'survey', domain: 'wlan' } },
      },
    ])
    const found = await get<Collection>(
      `MultiDatastreams?$count=true&$filter=${q("properties/disaggregation/domain eq 'wlan' and properties/disaggregation/byGender eq true")}`,
    )
    expect(found['@iot.count']).toBe(1)

    const path = `MultiDatastreams(${id})/Observations?$top=100&$orderby=phenomenonTime asc`
    const exact = await eventually(async () => {
      const c = await get<Collection<Obs>>(path, operator)
      return c.value.length === 24 ? c.value : undefined
    }, 'the day of survey hours')
    const pub = (await get<Collection<Obs>>(path)).value
    expect(pub.map((o) => o.phenomenonTime)).toEqual(hours.map((t) => new Date(t).toISOString()))
    let hidden = 0
    for (const [h, e] of exact.entries()) {
      // operators: the stored counts, per answer four gender categories and their total
      const sent = ANSWERS.flatMap((_, a) => {
        const parts = GENDERS.map((_, g) => count(h, a, g))
        return [...parts, parts.reduce((x, y) => x + y, 0)]
      })
      expect(e.result).toEqual(sent)
      const p = pub[h]!
      p.result.forEach((v, i) => {
        if (v === null) hidden++
        else expect(v === sent[i] && v >= 10, `hour ${h} cell ${i}: ${v}`).toBe(true)
      })
      expect(p.parameters?.suppressed ?? []).toEqual(p.result.flatMap((v, i) => (v === null ? [i] : [])))
      for (let a = 0; a < 3; a++) {
        // a single hidden number of an answer would be its total minus the others
        expect(p.result.slice(a * 5, a * 5 + 5).filter((v) => v === null)).not.toHaveLength(1)
      }
    }
    expect(hidden).toBeGreaterThan(24) // about a third of the cells are below 10

    const refused = await fetch(
      `${base}/v1.1/MultiDatastreams(${id})/Observations?$filter=${q('result gt 3')}`,
    )
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { message: string }).message).toMatch(/suppressed/)
  }, 120_000)
})
