/**
 * What `npm run bench:broker` (bench/broker.ts) shares with its child processes: the credentials file,
 * the lines a broker child prints, the layout of the benchmark payload and the generator's commands.
 */
import { z } from 'zod'

/** Device tokens (generated, 192 bits) and the subscriber's login, written once into a 0600 temp file. */
export const Credentials = z.object({
  /** [deviceId, token]; the publishers are the first ones, the connection test uses as many as it needs. */
  devices: z.array(z.tuple([z.string(), z.string()])),
  subscriber: z.object({ username: z.string(), password: z.string() }),
})
export type Credentials = z.infer<typeof Credentials>

/** First stdout line of bench/broker-server.ts. */
export const ServerReady = z.object({ tcp: z.number().int(), tls: z.number().int() })

/** Last stdout line of bench/broker-server.ts, printed when SIGTERM stopped it. */
export const ServerStats = z.object({
  /** Warnings and errors the broker logged (refused logins, publishes, subscriptions). */
  warnings: z.number().int(),
  wal: z
    .object({
      appended: z.number().int(),
      fsyncs: z.number().int(),
      peakBytes: z.number(),
      maxBytes: z.number(),
      commits: z.number().int(),
      fsType: z.string(),
      fsync: z.boolean(),
      /** append → durable (group commit wait + write + fsync), sampled on every 16th append. */
      durableP50Ms: z.number().nullable(),
      durableP99Ms: z.number().nullable(),
    })
    .nullable(),
})
export type ServerStats = z.infer<typeof ServerStats>

export const UPLINK_FILTER = 'urbantwin/v1/devices/+/up'
export const uplinkTopic = (deviceId: string) => `urbantwin/v1/devices/${deviceId}/up`
export const deviceIdOf = (i: number) => `bench-${String(i).padStart(5, '0')}`

/**
 * The payload: valid JSON of exactly {@link PAYLOAD_BYTES} bytes,
 * `{"t":"<16 digits: µs of the monotonic clock>","seq":"<10 digits>","device":"<id>","pad":"xx…"}`.
 * The monotonic clock (CLOCK_MONOTONIC, `process.hrtime`) is one clock for all processes of the machine,
 * so a subscriber in another process can subtract.
 */
export const PAYLOAD_BYTES = 200
export const T_AT = 6
export const T_DIGITS = 16
export const SEQ_AT = T_AT + T_DIGITS + 9 // after `","seq":"`
export const SEQ_DIGITS = 10

export function payloadTemplate(deviceId: string): Buffer {
  const head = `{"t":"${'0'.repeat(T_DIGITS)}","seq":"${'0'.repeat(SEQ_DIGITS)}","device":"${deviceId}","pad":"`
  const pad = PAYLOAD_BYTES - head.length - 2
  if (pad < 0) throw new Error(`device id ${deviceId} too long for a ${PAYLOAD_BYTES} B payload`)
  return Buffer.from(`${head}${'x'.repeat(pad)}"}`, 'latin1')
}

export function nowUs(): number {
  const [s, ns] = process.hrtime()
  return s * 1_000_000 + Math.floor(ns / 1000)
}

/** Which devices (indices into Credentials.devices) a generator serves, and whether they log in. */
export type DeviceRange = { from: number; to: number; login: boolean }

/** Commands of bench/broker.ts to a generator child (IPC); each is answered with a {@link Reply}. */
export type Command =
  | { cmd: 'publishers'; port: number; devices: DeviceRange }
  | { cmd: 'subscriber'; port: number; login: boolean }
  /** `rate` msgs/s for this process, 0 = as fast as the broker takes them; `window`: QoS 1 in flight per publisher. */
  | { cmd: 'start'; qos: 0 | 1; rate: number; window: number }
  | { cmd: 'stop' }
  | { cmd: 'count' }
  | { cmd: 'latency'; on: boolean }
  | { cmd: 'connections'; port: number; tls: boolean; devices: DeviceRange; concurrency: number }
  | { cmd: 'disconnect' }

export type PublishReport = {
  sent: number
  acked: number
  inflight: number
  /** Connections that closed without being asked to (the broker dropped them). */
  closedEarly: number
}
export type LatencyReport = { samples: number; p50Ms: number; p99Ms: number; maxMs: number }
export type ConnectReport = {
  connected: number
  failed: number
  /** Up to three failure reasons with counts. */
  reasons: Record<string, number>
  ms: number
}

export type Reply = { id: number } & ({ ok: true; value?: unknown } | { ok: false; error: string })
