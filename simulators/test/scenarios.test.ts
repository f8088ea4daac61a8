import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  decodeValue,
  deviceKind,
  lorawanReadings,
  parseChirpstackUplink,
  parseTtsUplink,
} from '@urbantwin/devices'
import { parseDeviceTopic } from '@urbantwin/model'
import {
  WERTSTOFFINSELN_PATH,
  WLAN_SITES_PATH,
  accessPointScenario,
  containerScenario,
  containerSites,
  munichScenarios,
  registryId,
  simulateDay,
  surveyScenario,
  toMessage,
  wlanSites,
  OUTPUT_MODES,
  type Scenario,
} from '../src/index.ts'

const containerSitesAll = containerSites(JSON.parse(readFileSync(WERTSTOFFINSELN_PATH, 'utf8')))
const wlanSitesAll = wlanSites(JSON.parse(readFileSync(WLAN_SITES_PATH, 'utf8')))
const hour = (iso: string) => new Date(iso)
/** Ticks every `minutes` from `from` for `hours`, returning all emissions. */
function run(s: Scenario, from: string, hours: number, minutes = s.reportEveryMinutes) {
  const out = []
  for (let t = Date.parse(from); t < Date.parse(from) + hours * 3_600_000; t += minutes * 60_000)
    out.push(...s.tick(new Date(t)))
  return out
}

describe('fleets at the real Munich sites', () => {
  it('uses all 575 container sites with their container counts and all 171 WLAN sites with their APs', () => {
    expect(containerSitesAll).toHaveLength(575)
    const containers = containerScenario(containerSitesAll, { seed: 1, count: Number.POSITIVE_INFINITY })
    expect(containers.devices).toHaveLength(containerSitesAll.reduce((n, s) => n + s.containers, 0))
    expect(wlanSitesAll).toHaveLength(171)
    const aps = accessPointScenario(wlanSitesAll, { seed: 1 })
    expect(aps.devices).toHaveLength(329)
    expect(new Set(aps.devices.map((d) => d.deviceId)).size).toBe(329)
    for (const d of [...containers.devices, ...aps.devices]) {
      expect(d.lon).toBeGreaterThan(11.36)
      expect(d.lon).toBeLessThan(11.73)
      expect(d.lat).toBeGreaterThan(48.06)
      expect(d.lat).toBeLessThan(48.25)
      expect(d.devEui).toMatch(/^[0-9a-f]{16}$/)
    }
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const a = munichScenarios({ seed: 7, containers: 20, accessPoints: 10, surveys: 3 })
    const b = munichScenarios({ seed: 7, containers: 20, accessPoints: 10, surveys: 3 })
    const c = munichScenarios({ seed: 8, containers: 20, accessPoints: 10, surveys: 3 })
    const emit = (ss: Scenario[]) => ss.map((s) => JSON.stringify(run(s, '2026-11-20T00:00:00Z', 24, 60)))
    expect(emit(a)).toEqual(emit(b))
    expect(emit(a)).not.toEqual(emit(c))
  })
})

describe('every simulated message is one the platform accepts, in every output mode', () => {
  const scenarios = munichScenarios({ seed: 3, containers: 30, accessPoints: 12, surveys: 4 })
  for (const mode of OUTPUT_MODES) {
    it(`decodes ${mode} messages of all kinds with the real codecs`, () => {
      let n = 0
      for (const s of scenarios) {
        const kind = deviceKind(s.kind)!
        for (const t of ['2026-11-21T09:00:00Z', '2026-11-21T21:00:00Z']) {
          for (const e of s.tick(hour(t))) {
            const device = s.devices.find((d) => d.deviceId === e.deviceId)!
            const msg = toMessage(mode, device, e, {
              simTime: hour(t),
              now: hour(t),
              withTime: true,
              fCnt: ++n,
            })
            const topic = parseDeviceTopic(msg.topic)
            expect(topic).toEqual({ format: mode, deviceId: registryId(mode, device) })
            const ctx = { deviceId: topic!.deviceId, properties: device.properties }
            const bytes = new TextEncoder().encode(msg.payload)
            const r =
              mode === 'native'
                ? decodeValue(kind, JSON.parse(msg.payload), ctx)
                : (() => {
                    const up = mode === 'tts' ? parseTtsUplink(bytes) : parseChirpstackUplink(bytes)
                    if (!up.ok) return up
                    return lorawanReadings(up.value, kind, ctx)
                  })()
            if (!r.ok) throw new Error(`${mode} ${s.kind} ${e.deviceId}: ${r.reason}`)
            expect(r.value.length).toBeGreaterThan(0)
          }
        }
      }
      expect(n).toBeGreaterThan(40)
    })
  }
})

describe('container dynamics', () => {
  it('fills faster on Saturdays than on Sundays and empties on collection days', () => {
    const s = containerScenario(containerSitesAll, { seed: 5, count: 400 })
    const fillOf = (e: { payload: Record<string, unknown> }) => 1950 - Number(e.payload.distanceMm)
    // warm up a week, then compare the fill gained over Saturday and over Sunday daytime
    run(s, '2026-11-07T00:00:00Z', 24 * 7)
    const sat = run(s, '2026-11-14T06:00:00Z', 12)
    const sun = run(s, '2026-11-15T06:00:00Z', 12)
    const gain = (es: typeof sat) => {
      const first = new Map<string, number>()
      let total = 0
      for (const e of es) if (!first.has(e.deviceId)) first.set(e.deviceId, fillOf(e))
      const last = new Map(es.map((e) => [e.deviceId, fillOf(e)]))
      for (const [id, v] of last) total += Math.max(0, v - (first.get(id) ?? v))
      return total
    }
    expect(gain(sat)).toBeGreaterThan(gain(sun) * 1.5)
    const week = run(s, '2026-11-16T00:00:00Z', 24 * 7)
    const emptied = week.filter((e) => e.payload.event === 'emptied')
    // every container has at least one collection day per week
    expect(new Set(emptied.map((e) => e.deviceId)).size).toBeGreaterThan(380)
    expect(emptied.every((e) => new Date(String(e.payload.time)).getUTCDay() !== 0)).toBe(true)
  })

  it('empties containers named in a collection order at the next working hour', () => {
    const s = containerScenario(containerSitesAll, { seed: 9, count: 5 })
    const id = s.devices[0]!.deviceId
    run(s, '2026-11-21T00:00:00Z', 48) // a weekend: no scheduled rounds
    s.order!([id])
    const [sunday] = [s.tick(hour('2026-11-22T10:00:00Z'))]
    expect(sunday.find((e) => e.deviceId === id)?.payload.event).toBeUndefined()
    const monday = s.tick(hour('2026-11-23T08:00:00Z'))
    expect(monday.find((e) => e.deviceId === id)?.payload.event).toBe('emptied')
  })

  it('shows faults at about their rates across the whole fleet over a month', () => {
    const s = containerScenario(containerSitesAll, { seed: 2, count: Number.POSITIVE_INFINITY })
    const out = run(s, '2026-10-01T00:00:00Z', 24 * 30)
    const stats = s.stats()
    const deviceHours = s.devices.length * 24 * 30
    expect(stats.offlineStarts).toBeGreaterThan(deviceHours / 3000 / 2)
    expect(stats.stuckStarts).toBeGreaterThan(deviceHours / 8000 / 2)
    expect(out.length).toBeLessThan(deviceHours) // offline devices were silent
    expect(out.some((e) => e.payload.status === 'full')).toBe(true)
  })
})

describe('access points and surveys', () => {
  it('follows commuter peaks on trams and evening peaks on squares, and sometimes goes down', () => {
    const s = accessPointScenario(wlanSitesAll, { seed: 4 })
    const at = (iso: string, rhythm: string) =>
      s
        .tick(hour(iso))
        .filter((e) => s.devices.find((d) => d.deviceId === e.deviceId)!.properties.rhythm === rhythm)
    const sum = (es: { payload: Record<string, unknown> }[]) =>
      es.reduce((n, e) => n + Number(e.payload.clientsConnected), 0)
    expect(sum(at('2026-11-24T06:45:00Z', 'tram'))).toBeGreaterThan(
      sum(at('2026-11-24T02:00:00Z', 'tram')) * 5,
    )
    expect(sum(at('2026-11-24T17:00:00Z', 'square'))).toBeGreaterThan(
      sum(at('2026-11-24T08:00:00Z', 'square')),
    )
    const month = run(s, '2026-10-01T00:00:00Z', 24 * 30)
    expect(month.some((e) => e.payload.apState === 'down' && e.payload.clientsConnected === 0)).toBe(true)
  })

  it('collects answers with a plausible gender mix and a night-time safety gap', () => {
    const s = surveyScenario(wlanSitesAll, { seed: 6 })
    const out = run(s, '2026-11-01T00:00:00Z', 24 * 14)
    const totals = { female: 0, male: 0, diverse: 0, unspecified: 0 }
    const nightNo = { female: 0, femaleAll: 0, male: 0, maleAll: 0 }
    for (const e of out) {
      const answers = e.payload.answers as Record<string, Record<keyof typeof totals, number>>
      const h = new Date(String(e.payload.periodStart)).getUTCHours()
      for (const a of Object.values(answers))
        for (const g of Object.keys(totals) as (keyof typeof totals)[]) totals[g] += a[g]
      if (h >= 19 || h < 5) {
        nightNo.female += answers.no!.female
        nightNo.male += answers.no!.male
        nightNo.femaleAll += answers.yes!.female + answers.no!.female + answers.unsure!.female
        nightNo.maleAll += answers.yes!.male + answers.no!.male + answers.unsure!.male
      }
    }
    const all = Object.values(totals).reduce((a, b) => a + b, 0)
    expect(all).toBeGreaterThan(5000)
    expect(totals.female / all).toBeGreaterThan(0.44)
    expect(totals.female / all).toBeLessThan(0.52)
    expect(totals.diverse).toBeGreaterThan(0)
    expect(nightNo.female / nightNo.femaleAll).toBeGreaterThan((nightNo.male / nightNo.maleAll) * 1.3)
  })
})

describe('a simulated day of Munich', () => {
  it('summarises messages, full containers and the AP peak', () => {
    const d = simulateDay(
      munichScenarios({ seed: 1, containers: 200, accessPoints: 60, surveys: 20 }),
      new Date('2026-11-21T00:00:00Z'),
    )
    expect(d.date).toBe('2026-11-21')
    expect(d.containersAbove80ByHour).toHaveLength(24)
    const scheduled = 200 * 24 + 60 * 96 + 20 * 24
    expect(d.messages).toBeLessThanOrEqual(scheduled) // offline containers stay silent
    expect(d.messages).toBeGreaterThan(scheduled * 0.95)
    expect(d.byKind['clothing-container']!.messages).toBe(d.messages - 60 * 96 - 20 * 24)
    expect(d.apPeak.clients).toBeGreaterThan(0)
  })
})
