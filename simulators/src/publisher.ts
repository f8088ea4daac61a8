import mqtt, { type MqttClient } from 'mqtt'
import { uplinkTopic, type Logger } from '@urbantwin/model'
import type { SimulatedContainer } from './fleet.ts'
import { createRng } from './rng.ts'
import { initialState, reading, step, type ContainerState } from './dynamics.ts'

export type FleetRunOptions = {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  url: string
  /** A gateway account (may publish any device's uplink). */
  username: string
  password: string
  devices: readonly SimulatedContainer[]
  intervalMs: number
  seed: number
  log: Logger
  now?: () => Date
}

export type FleetRun = { published: () => number; stop: () => Promise<void> }

/** Publishes one reading per container per interval (QoS 1), the first round at once. */
export async function runContainerFleet(opts: FleetRunOptions): Promise<FleetRun> {
  const now = opts.now ?? (() => new Date())
  const rng = createRng(opts.seed)
  const states = new Map<string, ContainerState>(opts.devices.map((d) => [d.deviceId, initialState(rng)]))
  const client: MqttClient = await mqtt.connectAsync(opts.url, {
    username: opts.username,
    password: opts.password,
    clientId: `urbantwin-simulator-${opts.seed}`,
    reconnectPeriod: 1000,
  })
  client.on('error', (err) => opts.log.warn({ err: err.message }, 'simulator connection error'))
  let published = 0
  let round: Promise<void> = Promise.resolve()

  async function publishRound() {
    const at = now()
    for (const d of opts.devices) {
      const next = step(states.get(d.deviceId)!, rng)
      states.set(d.deviceId, next)
      await client.publishAsync(uplinkTopic(d.deviceId), JSON.stringify(reading(next, rng, at)), { qos: 1 })
      published++
    }
  }
  const tick = () => {
    round = round
      .then(publishRound)
      .catch((err: Error) => opts.log.warn({ err: err.message }, 'simulator round failed'))
  }
  tick()
  const timer = setInterval(tick, opts.intervalMs)
  opts.log.info({ devices: opts.devices.length, intervalMs: opts.intervalMs }, 'simulated fleet running')

  return {
    published: () => published,
    stop: async () => {
      clearInterval(timer)
      await round
      await client.endAsync()
    },
  }
}
