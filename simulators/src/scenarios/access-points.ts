import { createRng, type Rng } from '../rng.ts'
import { munichTime } from '../time/munich-time.ts'
import type { WlanSite } from '../wlan-sites.ts'
import { chance, normal, uniform } from './distributions.ts'
import { apLoadFactor, apSiteType, type ApSiteType } from './rhythms.ts'
import { hash32, simulatedDevEui, type Emission, type Scenario, type SimDevice } from './scenario.ts'

/** Peak connected clients of one AP by site type (busy squares draw the most). */
const PEAK: Record<ApSiteType, [number, number]> = { square: [40, 120], tram: [12, 40], mobility: [8, 30] }
/** Outages per AP-hour and their length in hours. */
export const AP_OUTAGE = { rate: 1 / 5000, minHours: 1, maxHours: 8 }

/** `upSinceMs` undefined: not seen yet (a random uptime of days); null: down. */
type State = {
  rng: Rng
  peak: number
  type: ApSiteType
  downUntilMs: number
  upSinceMs: number | null | undefined
}

export type AccessPointScenarioOptions = { seed: number; count?: number; reportEveryMinutes?: number }

/** One device per access point: `mwlan-{site}-{n}`, `anzahl` per site. */
export function accessPointDevices(
  sites: readonly WlanSite[],
  count = Number.POSITIVE_INFINITY,
): SimDevice[] {
  const devices: SimDevice[] = []
  for (const site of sites) {
    for (let n = 1; n <= site.accessPoints && devices.length < count; n++) {
      const deviceId = `mwlan-${site.siteId}-${n}`
      devices.push({
        deviceId,
        devEui: simulatedDevEui(deviceId),
        kind: 'wlan-access-point',
        name: `M-WLAN ${site.address ?? site.siteId} AP ${n}`,
        address: site.address,
        lon: site.lon,
        lat: site.lat,
        properties: { siteId: site.siteId, siteType: site.type, rhythm: apSiteType(site.type) },
      })
    }
  }
  return devices
}

/**
 * Public WLAN access points: clients follow daily and weekly rhythms by site type (squares, trams,
 * mobility stations) with noise; rare outages take an AP down for hours. Counts only, never identities.
 */
export function accessPointScenario(sites: readonly WlanSite[], opts: AccessPointScenarioOptions): Scenario {
  const devices = accessPointDevices(sites, opts.count)
  const states = new Map<string, State>(
    devices.map((d) => {
      const rng = createRng(hash32(`${opts.seed}:${d.deviceId}`))
      const type = d.properties.rhythm as ApSiteType
      const [lo, hi] = PEAK[type]
      return [d.deviceId, { rng, peak: uniform(rng, lo, hi), type, downUntilMs: 0, upSinceMs: undefined }]
    }),
  )
  const counters = { messages: 0, outages: 0, peakClients: 0, peakTotalClients: 0 }
  let lastMs: number | null = null

  return {
    kind: 'wlan-access-point',
    devices,
    reportEveryMinutes: opts.reportEveryMinutes ?? 15,
    tick(t) {
      const ms = t.getTime()
      const hours = lastMs === null ? 0.25 : Math.max(0, (ms - lastMs) / 3_600_000)
      lastMs = ms
      const local = munichTime(t)
      const out: Emission[] = []
      let total = 0
      for (const d of devices) {
        const s = states.get(d.deviceId)!
        if (s.downUntilMs <= ms && chance(s.rng, AP_OUTAGE.rate * hours)) {
          s.downUntilMs = ms + uniform(s.rng, AP_OUTAGE.minHours, AP_OUTAGE.maxHours) * 3_600_000
          s.upSinceMs = null
          counters.outages++
        }
        const down = s.downUntilMs > ms
        if (s.upSinceMs === undefined) s.upSinceMs = ms - Math.floor(uniform(s.rng, 1, 30) * 86_400_000)
        if (!down && s.upSinceMs === null) s.upSinceMs = ms
        const clients = down
          ? 0
          : Math.max(0, Math.round(s.peak * apLoadFactor(s.type, local) * Math.exp(normal(s.rng) * 0.15)))
        const c24 = Math.round(clients * uniform(s.rng, 0.2, 0.4))
        const c6 = Math.min(clients - c24, Math.round(clients * uniform(s.rng, 0, 0.08)))
        total += clients
        counters.peakClients = Math.max(counters.peakClients, clients)
        out.push({
          deviceId: d.deviceId,
          payload: {
            time: t.toISOString(),
            apState: down ? 'down' : 'up',
            clientsConnected: clients,
            ...(down
              ? {}
              : {
                  clientsConnected24: c24,
                  clientsConnected5: clients - c24 - c6,
                  clientsConnected6: c6,
                  uptime: Math.round((ms - (s.upSinceMs ?? ms)) / 1000),
                  throughputRx: Math.round(clients * uniform(s.rng, 50_000, 400_000)),
                  throughputTx: Math.round(clients * uniform(s.rng, 100_000, 900_000)),
                }),
          },
        })
      }
      counters.peakTotalClients = Math.max(counters.peakTotalClients, total)
      counters.messages += out.length
      return out
    },
    stats: () => ({ accessPoints: devices.length, ...counters }),
  }
}
