import { readFileSync } from 'node:fs'
import { WERTSTOFFINSELN_PATH, containerSites } from './sites.ts'
import { WLAN_SITES_PATH, wlanSites } from './wlan-sites.ts'
import { containerScenario } from './scenarios/containers.ts'
import { accessPointScenario } from './scenarios/access-points.ts'
import { surveyScenario } from './scenarios/survey.ts'
import type { Scenario } from './scenarios/scenario.ts'

/** How much of Munich to simulate; `Infinity` = every real site (575 container sites, 171 WLAN sites). */
export type CityOptions = { seed: number; containers: number; accessPoints: number; surveys: number }

export const WHOLE_CITY: Omit<CityOptions, 'seed'> = {
  containers: Number.POSITIVE_INFINITY,
  accessPoints: Number.POSITIVE_INFINITY,
  surveys: Number.POSITIVE_INFINITY,
}

/** The scenarios for a simulated Munich from the shipped open data (read once per call). */
export function munichScenarios(opts: CityOptions): Scenario[] {
  const scenarios: Scenario[] = []
  if (opts.containers > 0) {
    const sites = containerSites(JSON.parse(readFileSync(WERTSTOFFINSELN_PATH, 'utf8')))
    scenarios.push(containerScenario(sites, { seed: opts.seed, count: opts.containers }))
  }
  if (opts.accessPoints > 0 || opts.surveys > 0) {
    const sites = wlanSites(JSON.parse(readFileSync(WLAN_SITES_PATH, 'utf8')))
    if (opts.accessPoints > 0)
      scenarios.push(accessPointScenario(sites, { seed: opts.seed, count: opts.accessPoints }))
    if (opts.surveys > 0) scenarios.push(surveyScenario(sites, { seed: opts.seed, count: opts.surveys }))
  }
  return scenarios
}

export type DaySummary = {
  date: string
  messages: number
  byKind: Record<string, Record<string, number>>
  /** Containers at or above 80 % fill at each local hour (index 0–23). */
  containersAbove80ByHour: number[]
  /** Connected WLAN clients summed over all APs at each quarter hour; the peak and when. */
  apPeak: { clients: number; at: string }
}

/**
 * One simulated day without a broker: every scenario ticks from local midnight to midnight (after a
 * warm-up week so fill levels and collections have settled). For closing notes and demos.
 */
export function simulateDay(scenarios: readonly Scenario[], day: Date, warmUpDays = 7): DaySummary {
  const step = Math.min(...scenarios.map((s) => s.reportEveryMinutes)) * 60_000
  const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) - 3_600_000) // ~00:00 in Munich (CET)
  const due = (s: Scenario, t: Date) => Math.floor(t.getTime() / 60_000) % s.reportEveryMinutes === 0
  for (let t = start.getTime() - warmUpDays * 86_400_000; t < start.getTime(); t += step) {
    for (const s of scenarios) if (due(s, new Date(t))) s.tick(new Date(t))
  }
  const before = new Map(scenarios.map((s) => [s.kind, s.stats()]))
  const above80: number[] = []
  let messages = 0
  const apPeak = { clients: 0, at: '' }
  for (let t = start.getTime(); t < start.getTime() + 86_400_000; t += step) {
    const at = new Date(t)
    for (const s of scenarios) {
      if (!due(s, at)) continue
      const out = s.tick(at)
      messages += out.length
      if (s.kind === 'wlan-access-point') {
        const clients = out.reduce((n, e) => n + Number(e.payload.clientsConnected ?? 0), 0)
        if (clients > apPeak.clients) Object.assign(apPeak, { clients, at: at.toISOString() })
      }
      if (s.kind === 'clothing-container' && (t - start.getTime()) % 3_600_000 === 0)
        above80.push(s.stats().above80 ?? 0)
    }
  }
  const byKind: DaySummary['byKind'] = {}
  for (const s of scenarios) {
    const now = s.stats()
    const then = before.get(s.kind) ?? {}
    // counters are cumulative: report the day's increase; levels (above80, peaks) as they are
    byKind[s.kind] = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [
        k,
        [
          'above80',
          'containers',
          'accessPoints',
          'surveyHotspots',
          'peakClients',
          'peakTotalClients',
        ].includes(k)
          ? v
          : v - (then[k] ?? 0),
      ]),
    )
  }
  return { date: day.toISOString().slice(0, 10), messages, byKind, containersAbove80ByHour: above80, apPeak }
}
