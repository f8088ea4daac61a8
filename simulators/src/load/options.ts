import { isIP } from 'node:net'
import { z } from 'zod'

const MqttUrl = z
  .string()
  .regex(/^mqtt:\/\/[^/:]+:\d+\/?$/, 'mqtt://host:port')
  .describe('Broker URL, mqtt://host:port (plain TCP, MQTT 3.1.1)')

/**
 * The plain-data part of a load run: what a CLI parses and what crosses a process boundary.
 * Both stop conditions are bounded; at least one is required.
 */
export const LoadSettings = z
  .object({
    url: z
      .union([MqttUrl, z.array(MqttUrl).min(1)])
      .describe('One broker, or several: connection i uses url[i % n]'),
    devices: z.number().int().min(1).max(1_000_000).describe('Synthetic devices (each has its own sequence)'),
    connections: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('MQTT connections (≤ devices; default = devices)'),
    rate: z
      .number()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe('Target msgs/s over all devices; 0 = as fast as possible'),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    durationMs: z
      .number()
      .int()
      .positive()
      .max(86_400_000)
      .optional()
      .describe('Stop publishing after this long'),
    messages: z
      .number()
      .int()
      .positive()
      .max(1_000_000_000)
      .optional()
      .describe('Stop after this many messages in total'),
    username: z
      .string()
      .optional()
      .describe('One login for every connection (unless `credentials` is given)'),
    password: z.string().optional(),
    connectConcurrency: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(200)
      .describe('Connects in flight at once'),
    connectTimeoutMs: z.number().int().positive().max(120_000).default(10_000),
    clientIdPrefix: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .describe('Client ids are `{prefix}-{connection index}`'),
    inflight: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .default(64)
      .describe('Unacknowledged QoS 1/2 publishes per connection'),
    keepaliveSec: z.number().int().min(0).max(65_535).default(60),
    drainTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(10_000)
      .describe('How long to wait for acks at the end'),
    localAddress: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .refine((a) => a === undefined || [a].flat().every((x) => isIP(x) !== 0), 'IP addresses')
      .describe('Source address(es), rotated per connection (see loopbackAddresses)'),
    firstDevice: z.number().int().min(0).default(0).describe('Index of the first device (process shares)'),
    firstConnection: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Index of the first connection (process shares)'),
  })
  .refine((s) => s.durationMs !== undefined || s.messages !== undefined, 'durationMs or messages is required')
  .refine((s) => (s.connections ?? s.devices) <= s.devices, 'connections must be ≤ devices')
export type LoadSettings = z.input<typeof LoadSettings>
export type ResolvedSettings = z.output<typeof LoadSettings> & { connections: number; clientIdPrefix: string }

export type LoadProgress = {
  phase: 'connecting' | 'publishing' | 'draining'
  connected: number
  connectFailures: number
  sent: number
  acked: number
  errors: number
  elapsedMs: number
  /** Messages per second since the previous report. */
  currentRate: number
}

export type Credentials = { username: string; password: string }

/** Hooks (functions) next to the settings; they do not cross a process boundary. */
export type LoadHooks = {
  topic?: (deviceId: string) => string
  payload?: (deviceId: string, seq: number, now: number) => string | Buffer
  deviceId?: (index: number) => string
  /** Per-connection login, called with the connection's first device. Overrides username/password. */
  credentials?: (deviceId: string) => Credentials
  onProgress?: (p: LoadProgress) => void
  /**
   * Each PUBACK (QoS 1) or PUBCOMP (QoS 2) with the device and sequence number it acknowledges, e.g. for
   * fault tests that check every acknowledged message was stored. Costs a small record per publish.
   */
  onAck?: (deviceId: string, seq: number) => void
  signal?: AbortSignal
}

export type LoadOptions = LoadSettings & LoadHooks

/** Throws on invalid settings (a caller bug: CLIs validate with `LoadSettings.safeParse` first). */
export function resolveSettings(input: LoadSettings): ResolvedSettings {
  const r = LoadSettings.safeParse(input)
  if (!r.success) throw new RangeError(`invalid load settings:\n${z.prettifyError(r.error)}`)
  return {
    ...r.data,
    connections: r.data.connections ?? r.data.devices,
    clientIdPrefix:
      r.data.clientIdPrefix ?? `urbantwin-load-${process.pid.toString(36)}${Date.now().toString(36)}`,
  }
}

/**
 * `count` source addresses 127.0.0.1, 127.0.0.2, … (all of 127.0.0.0/8 is loopback on Linux). Each
 * source address has its own ~28k ephemeral ports towards one broker port.
 */
export function loopbackAddresses(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 65_000) throw new RangeError('1..65000 addresses')
  return Array.from({ length: count }, (_, i) => `127.0.${(i + 1) >> 8}.${(i + 1) & 255}`)
}
