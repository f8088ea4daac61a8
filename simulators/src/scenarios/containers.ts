import { DEFAULT_CALIBRATION, encodeUltrasonicFrame, ULTRASONIC_FPORT } from '@urbantwin/devices'
import { createRng, type Rng } from '../rng.ts'
import { munichTime } from '../time/munich-time.ts'
import type { ContainerSite } from '../sites.ts'
import { chance, normal, poisson, uniform } from './distributions.ts'
import { depositFactor, outsideTemperature } from './rhythms.ts'
import { hash32, simulatedDevEui, type Emission, type Scenario, type SimDevice } from './scenario.ts'

/** Rates per device-hour of the faults a real fleet shows. */
export const CONTAINER_FAULTS = {
  offline: 1 / 3000,
  stuckSensor: 1 / 8000,
  tilt: 1 / 40_000,
  fire: 1 / 300_000,
}

type Fault = { type: 'offline' | 'stuck'; untilMs: number }

type State = {
  rng: Rng
  fill: number
  battery: number
  /** Median bags per hour at this site (popular sites fill faster). */
  bagsPerHour: number
  collectionDays: readonly number[]
  lastCollectionDay: string
  pendingOrder: boolean
  fault: Fault | null
  tilted: boolean
  burningUntilMs: number
  lastDistance: number
  lastMs: number | null
}

const { heightMm, sensorOffsetMm } = DEFAULT_CALIBRATION

export type ContainerScenarioOptions = {
  seed: number
  /** How many containers; sites are taken in a seeded order, a site's container count respected. */
  count: number
  reportEveryMinutes?: number
}

/** One device per used-clothing container at the AWM sites, numbered per site (`awm-{site}-{n}`). */
export function containerDevices(
  sites: readonly ContainerSite[],
  opts: { count: number; seed: number },
): SimDevice[] {
  const order = [...sites].sort(
    (a, b) => hash32(`${opts.seed}:${a.siteId}`) - hash32(`${opts.seed}:${b.siteId}`),
  )
  const devices: SimDevice[] = []
  for (const site of order) {
    for (let n = 1; n <= site.containers && devices.length < opts.count; n++) {
      const deviceId = `awm-${site.siteId}-${n}`
      devices.push({
        deviceId,
        devEui: simulatedDevEui(deviceId),
        kind: 'clothing-container',
        name: `Altkleidercontainer ${site.address ?? site.siteId} #${n}`,
        address: site.address,
        lon: site.lon,
        lat: site.lat,
        properties: { siteId: site.siteId, calibration: { heightMm, sensorOffsetMm } },
      })
    }
    if (devices.length >= opts.count) break
  }
  return devices
}

function initialState(seed: number, device: SimDevice): State {
  const rng = createRng(hash32(`${seed}:${device.deviceId}`))
  const first = Math.floor(rng() * 5) // Mon–Fri collection rounds
  const twice = rng() < 0.4
  return {
    rng,
    fill: rng() * 0.7,
    battery: uniform(rng, 0.55, 1),
    bagsPerHour: Math.exp(normal(rng) * 0.6) * 0.5,
    collectionDays: twice ? [first, (first + 3) % 5] : [first],
    lastCollectionDay: '',
    pendingOrder: false,
    fault: null,
    tilted: false,
    burningUntilMs: 0,
    lastDistance: 0,
    lastMs: null,
  }
}

/**
 * Used-clothing containers: deposits by weekday, season and hour and per-site popularity; emptied on
 * the site's collection days or by a collection order; sensor noise, battery drain, offline and stuck
 * sensors, rare tilts and fires. Reports the raw ultrasonic distance, as real bin sensors do.
 */
export function containerScenario(sites: readonly ContainerSite[], opts: ContainerScenarioOptions): Scenario {
  const devices = containerDevices(sites, opts)
  const states = new Map(devices.map((d) => [d.deviceId, initialState(opts.seed, d)]))
  const counters = { messages: 0, emptied: 0, fires: 0, tilts: 0, offlineStarts: 0, stuckStarts: 0 }

  function advance(s: State, t: Date, hours: number): { event?: string } {
    const local = munichTime(t)
    const ms = t.getTime()
    let event: string | undefined
    if (s.fault && s.fault.untilMs <= ms) s.fault = null
    if (!s.fault && chance(s.rng, CONTAINER_FAULTS.offline * hours)) {
      s.fault = { type: 'offline', untilMs: ms + uniform(s.rng, 2, 36) * 3_600_000 }
      counters.offlineStarts++
    } else if (!s.fault && chance(s.rng, CONTAINER_FAULTS.stuckSensor * hours)) {
      s.fault = { type: 'stuck', untilMs: ms + uniform(s.rng, 12, 72) * 3_600_000 }
      counters.stuckStarts++
    }
    const bags = poisson(s.rng, s.bagsPerHour * depositFactor(local) * hours)
    for (let i = 0; i < bags; i++) s.fill = Math.min(1, s.fill + uniform(s.rng, 0.003, 0.009))
    const day = `${local.month}-${local.day}`
    const workingHours = local.hour >= 7 && local.hour < 16 && local.weekday < 5
    const scheduled = s.collectionDays.includes(local.weekday) && s.lastCollectionDay !== day
    if (workingHours && (scheduled || s.pendingOrder)) {
      s.fill = uniform(s.rng, 0, 0.02)
      s.lastCollectionDay = day
      s.pendingOrder = false
      s.tilted = false
      event = 'emptied'
      counters.emptied++
    }
    if (!s.tilted && chance(s.rng, CONTAINER_FAULTS.tilt * hours)) {
      s.tilted = true
      event = 'tilt'
      counters.tilts++
    }
    if (s.burningUntilMs <= ms && chance(s.rng, CONTAINER_FAULTS.fire * hours)) {
      s.burningUntilMs = ms + uniform(s.rng, 1, 2) * 3_600_000
      event = 'fireSuspicion'
      counters.fires++
    }
    s.battery = Math.max(0, s.battery - 0.00003 * Math.max(1, hours))
    return event ? { event } : {}
  }

  function emission(d: SimDevice, s: State, t: Date, event: string | undefined): Emission {
    const local = munichTime(t)
    const burning = s.burningUntilMs > t.getTime()
    const temperature =
      Math.round((outsideTemperature(local) + 2 + normal(s.rng) * 0.5 + (burning ? 60 : 0)) * 10) / 10
    const measured = Math.round(sensorOffsetMm + heightMm * (1 - s.fill) + normal(s.rng) * 8)
    const distanceMm =
      s.fault?.type === 'stuck' && s.lastDistance > 0 ? s.lastDistance : Math.max(1, measured)
    s.lastDistance = distanceMm
    const tiltAngle = s.tilted ? 60 + Math.round(s.rng() * 30) : Math.round(s.rng() * 3)
    const status = burning ? 'burning' : s.tilted ? 'dropped' : s.fill >= 0.95 ? 'full' : 'ok'
    const batteryLevel = Math.round(s.battery * 1000) / 1000
    const payload: Record<string, unknown> = {
      time: t.toISOString(),
      distanceMm,
      temperature,
      batteryLevel,
      tiltAngle,
      status,
      ...(event ? { event } : {}),
    }
    const frame = encodeUltrasonicFrame({
      batteryMv: 2500 + s.battery * 1100,
      distanceMm,
      lidOpen: false,
      tiltAlarm: s.tilted,
      temperatureAlarm: burning,
      emptied: event === 'emptied',
      temperatureC: temperature,
      tiltDeg: tiltAngle,
    })
    return { deviceId: d.deviceId, payload, frame: { fPort: ULTRASONIC_FPORT, bytes: frame } }
  }

  return {
    kind: 'clothing-container',
    devices,
    reportEveryMinutes: opts.reportEveryMinutes ?? 60,
    tick(t) {
      const out: Emission[] = []
      for (const d of devices) {
        const s = states.get(d.deviceId)!
        const hours = s.lastMs === null ? 1 : Math.max(0, (t.getTime() - s.lastMs) / 3_600_000)
        s.lastMs = t.getTime()
        const { event } = advance(s, t, hours)
        if (s.fault?.type === 'offline') continue
        out.push(emission(d, s, t, event))
      }
      counters.messages += out.length
      return out
    },
    order(deviceIds) {
      for (const id of deviceIds) {
        const s = states.get(id)
        if (s) s.pendingOrder = true
      }
    },
    stats() {
      let above80 = 0
      for (const s of states.values()) if (s.fill >= 0.8) above80++
      return { containers: devices.length, above80, ...counters }
    },
  }
}
