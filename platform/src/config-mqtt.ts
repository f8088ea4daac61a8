import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { DEFAULT_LIMITS, SESSION_DEFAULTS, type BrokerLimits } from '@urbantwin/broker'

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback)
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((v) => v === 'true')
const pemPath = z.string().min(1).optional()

/** The broker's settings: listeners, TLS, anonymous access and the limits on one client. */
export const MqttEnv = z.object({
  MQTT_TLS_PORT: int(0, 65535, 8883).describe(
    'MQTT over TLS (1.2 or newer) listener, served when MQTT_TLS_CERT and MQTT_TLS_KEY are set; 0 picks a free port',
  ),
  MQTT_TLS_CERT: pemPath.describe('PEM file of the broker certificate (and its chain) for MQTT_TLS_PORT'),
  MQTT_TLS_KEY: pemPath.describe('PEM file of the private key of MQTT_TLS_CERT'),
  HTTP_TLS_CERT: pemPath.describe(
    'PEM certificate for HTTPS on HTTP_PORT (the API, the viewer, and MQTT over secure WebSocket, wss://…/mqtt)',
  ),
  HTTP_TLS_KEY: pemPath.describe('PEM file of the private key of HTTP_TLS_CERT'),
  MQTT_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
    .optional()
    .describe(
      "Redis (redis://host:port/db) for the broker's persistent sessions, offline queues and retained messages, shared by several broker processes, which then act as one broker. Default: a journal in DATA_DIR (one process)",
    ),
  MQTT_SESSIONS_SYNC_MS: int(0, 60_000, SESSION_DEFAULTS.syncMs).describe(
    "Without MQTT_REDIS_URL, persistent sessions, offline queues, retained messages and wills are journalled to DATA_DIR/mqtt/sessions.journal. Each change is written at once (a killed process loses none); fsync at most this often (ms), like Redis' appendfsync everysec; 0 = fsync every change before the broker goes on",
  ),
  MQTT_MAX_QUEUED: int(1, 10_000_000, SESSION_DEFAULTS.maxQueuedPerClient).describe(
    "Messages queued for one offline persistent session (and in flight to it); further ones are dropped and counted, like mosquitto's max_queued_messages",
  ),
  MQTT_ALLOW_ANONYMOUS: flag('false').describe(
    "Like mosquitto's allow_anonymous, for interoperability tests: clients without a login may also publish and subscribe outside the platform's topics (urbantwin/…, v3/…, application/…, v1.1/…); logged as a warning at start",
  ),
  MQTT_MAX_PACKET_BYTES: int(64, 268_435_455, DEFAULT_LIMITS.maxPacketBytes).describe(
    'Largest MQTT packet a client may send (bytes); the connection is closed at the header of a larger one',
  ),
  MQTT_MAX_TOPIC_BYTES: int(16, 65_535, DEFAULT_LIMITS.maxTopicBytes).describe(
    'Longest topic or filter (UTF-8 bytes)',
  ),
  MQTT_MAX_TOPIC_LEVELS: int(4, 100, DEFAULT_LIMITS.maxTopicLevels).describe(
    'Most levels in a topic or filter',
  ),
  MQTT_MAX_CONNECTIONS: int(1, 1_000_000, DEFAULT_LIMITS.maxConnections).describe(
    'Open MQTT connections over all listeners (TCP, TLS, WebSocket); keep under the open-files limit (ulimit -n)',
  ),
  MQTT_CONNECTS_PER_IP_PER_MINUTE: int(0, 1_000_000, DEFAULT_LIMITS.connectsPerIpPerMinute).describe(
    'CONNECTs per client address and minute, 0 = no limit; this machine (loopback) is exempt. Behind a TCP load balancer every client has its address: limit there',
  ),
  MQTT_MAX_SUBSCRIPTIONS: int(1, 100_000, DEFAULT_LIMITS.maxSubscriptionsPerClient).describe(
    'Subscriptions one client may hold; more are refused (SUBACK 0x80)',
  ),
  MQTT_MAX_KEEPALIVE_S: int(1, 65_535, DEFAULT_LIMITS.maxKeepaliveSeconds).describe(
    'Longest keepalive a client may ask for (s); 0 (none) and longer ones are refused with CONNACK 2, as mosquitto does',
  ),
  MQTT_DRAIN_TIMEOUT_MS: int(100, 600_000, DEFAULT_LIMITS.drainTimeoutMs).describe(
    'A subscriber that does not read for this long is disconnected, so that it cannot hold up deliveries',
  ),
})
export type MqttEnv = z.infer<typeof MqttEnv>

export function brokerLimitsOf(c: MqttEnv): Partial<BrokerLimits> {
  return {
    maxPacketBytes: c.MQTT_MAX_PACKET_BYTES,
    maxTopicBytes: c.MQTT_MAX_TOPIC_BYTES,
    maxTopicLevels: c.MQTT_MAX_TOPIC_LEVELS,
    maxConnections: c.MQTT_MAX_CONNECTIONS,
    connectsPerIpPerMinute: c.MQTT_CONNECTS_PER_IP_PER_MINUTE,
    maxSubscriptionsPerClient: c.MQTT_MAX_SUBSCRIPTIONS,
    maxKeepaliveSeconds: c.MQTT_MAX_KEEPALIVE_S,
    drainTimeoutMs: c.MQTT_DRAIN_TIMEOUT_MS,
  }
}

/** TLS options of Node's `tls.createServer` / `https.createServer` from a pair of PEM paths; TLS 1.2 or newer. */
export type TlsFiles = { cert: string; key: string; minVersion: 'TLSv1.2' }

function tlsOf(cert: string | undefined, key: string | undefined, what: string): TlsFiles | null {
  if (!cert && !key) return null
  if (!cert || !key) throw new Error(`${what}: set both the certificate and the key, or neither`)
  const read = (path: string, name: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch (err) {
      throw new Error(`${what}: cannot read the ${name} ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  return { cert: read(cert, 'certificate'), key: read(key, 'key'), minVersion: 'TLSv1.2' }
}

export const mqttTlsOf = (c: MqttEnv) => tlsOf(c.MQTT_TLS_CERT, c.MQTT_TLS_KEY, 'MQTT_TLS_CERT/MQTT_TLS_KEY')
export const httpTlsOf = (c: MqttEnv) => tlsOf(c.HTTP_TLS_CERT, c.HTTP_TLS_KEY, 'HTTP_TLS_CERT/HTTP_TLS_KEY')
