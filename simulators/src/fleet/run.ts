import mqtt, { type MqttClient } from 'mqtt'
import { COLLECTION_ORDERS_TOPIC, type Logger } from '@urbantwin/model'
import type { Scenario, SimDevice } from '../scenarios/scenario.ts'
import { toMessage, type LorawanApplication, type OutputMode } from '../output/messages.ts'

export type Login = { username: string; password: string }

export type FleetOptions = {
  url: string
  /** A gateway login that may publish for every device (simulator, network-server bridge). */
  login?: Login
  /** Native mode: each device logs in with its own credentials (from the provisioning output). */
  perDevice?: ReadonlyMap<string, Login>
  scenarios: readonly Scenario[]
  mode: OutputMode
  /** Simulated seconds per real second (60: one simulated hour per minute). */
  speed: number
  /** Back-fill from this instant to now, as fast as the broker takes it, with the original timestamps. */
  from?: Date
  /** Stop after simulating up to this instant (default: run until stopped). */
  until?: Date
  qos?: 0 | 1
  app?: LorawanApplication
  log: Logger
  now?: () => Date
  onProgress?: (p: FleetProgress) => void
}

export type FleetProgress = {
  phase: 'connecting' | 'backfill' | 'live' | 'done'
  connected: number
  sent: number
  acked: number
  errors: number
  simTime: string
}

export type FleetRun = {
  progress: () => FleetProgress
  /** Resolves when a bounded run (`until`) has finished. */
  finished: Promise<void>
  stop: () => Promise<void>
}

const IN_FLIGHT = 256

/** Drives scenarios against a broker: optional back-fill, then live ticks at `speed`. */
export async function runFleet(opts: FleetOptions): Promise<FleetRun> {
  const now = opts.now ?? (() => new Date())
  const qos = opts.qos ?? 1
  const p: FleetProgress = { phase: 'connecting', connected: 0, sent: 0, acked: 0, errors: 0, simTime: '' }
  const report = () => opts.onProgress?.({ ...p })
  const devices = new Map<string, SimDevice>(
    opts.scenarios.flatMap((s) => s.devices.map((d) => [d.deviceId, d])),
  )
  const fCnt = new Map<string, number>()
  const clients = new Map<string, MqttClient>()
  const connect = async (login: Login, clientId: string) => {
    const c = await mqtt.connectAsync(opts.url, {
      ...login,
      clientId,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    })
    c.on('error', (err) => {
      p.errors++
      opts.log.warn({ clientId, err: err.message }, 'simulator connection error')
    })
    p.connected++
    return c
  }

  let gateway: MqttClient | null = null
  if (opts.perDevice && opts.mode === 'native') {
    const ids = [...devices.keys()]
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (id) => {
          const login = opts.perDevice!.get(id)
          if (!login) throw new Error(`no credentials for device ${id}`)
          clients.set(id, await connect(login, `sim-${id}`))
          report()
        }),
      )
    }
  } else {
    if (!opts.login) throw new Error('a gateway login or per-device credentials are needed')
    gateway = await connect(opts.login, `urbantwin-sim-${process.pid}-${Date.now().toString(36)}`)
    await gateway.subscribeAsync(COLLECTION_ORDERS_TOPIC, { qos: 1 })
    gateway.on('message', (topic, body) => {
      if (topic !== COLLECTION_ORDERS_TOPIC) return
      try {
        const order = JSON.parse(body.toString('utf8')) as { deviceIds?: unknown }
        const ids = Array.isArray(order.deviceIds)
          ? order.deviceIds.filter((x): x is string => typeof x === 'string')
          : []
        for (const s of opts.scenarios) s.order?.(ids)
        opts.log.info({ devices: ids.length }, 'collection order received')
      } catch {
        opts.log.warn({ topic }, 'collection order is not JSON')
      }
    })
  }

  const inFlight = new Set<Promise<void>>()
  async function publishTick(simTime: Date, withTime: boolean) {
    p.simTime = simTime.toISOString()
    for (const scenario of opts.scenarios) {
      if (!due(scenario, simTime)) continue
      for (const e of scenario.tick(simTime)) {
        const device = devices.get(e.deviceId)!
        const n = (fCnt.get(e.deviceId) ?? 0) + 1
        fCnt.set(e.deviceId, n)
        const msg = toMessage(opts.mode, device, e, { simTime, now: now(), withTime, fCnt: n, app: opts.app })
        const client = clients.get(e.deviceId) ?? gateway!
        while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
        p.sent++
        const sent = client
          .publishAsync(msg.topic, msg.payload, { qos })
          .then(() => void p.acked++)
          .catch((err: Error) => {
            p.errors++
            opts.log.warn({ topic: msg.topic, err: err.message }, 'simulated publish failed')
          })
          .finally(() => inFlight.delete(sent))
        inFlight.add(sent)
      }
    }
    report()
  }

  const stepMinutes = Math.min(...opts.scenarios.map((s) => s.reportEveryMinutes))
  const stepMs = stepMinutes * 60_000
  const due = (s: Scenario, t: Date) => Math.floor(t.getTime() / 60_000) % s.reportEveryMinutes === 0
  const align = (t: Date) => new Date(Math.ceil(t.getTime() / stepMs) * stepMs)

  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let resolveFinished!: () => void
  const finished = new Promise<void>((r) => (resolveFinished = r))
  const until = opts.until?.getTime() ?? Number.POSITIVE_INFINITY

  let sim = align(opts.from ?? now())
  if (opts.from) {
    p.phase = 'backfill'
    while (!stopped && sim.getTime() <= Math.min(now().getTime(), until)) {
      await publishTick(sim, true)
      sim = new Date(sim.getTime() + stepMs)
    }
  }
  await Promise.all(inFlight)
  if (sim.getTime() > until) {
    p.phase = 'done'
    report()
    resolveFinished()
  } else {
    p.phase = 'live'
    let chain = Promise.resolve()
    const live = () => {
      chain = chain.then(async () => {
        if (stopped) return
        // at real-time speed the simulated instant is the true one; accelerated time runs ahead, so the
        // receiver stamps the reading instead
        await publishTick(sim, opts.speed === 1)
        sim = new Date(sim.getTime() + stepMs)
        if (sim.getTime() > until) {
          clearInterval(timer)
          await Promise.all(inFlight)
          p.phase = 'done'
          report()
          resolveFinished()
        }
      })
    }
    live()
    timer = setInterval(live, Math.max(10, stepMs / opts.speed))
  }

  return {
    progress: () => ({ ...p }),
    finished,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      await Promise.all(inFlight)
      await Promise.all([...clients.values(), ...(gateway ? [gateway] : [])].map((c) => c.endAsync()))
      p.phase = 'done'
      resolveFinished()
    },
  }
}
