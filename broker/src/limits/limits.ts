import { isIP } from 'node:net'

/** What one client may ask of the broker; every refusal is logged with its reason and counted. */
export type BrokerLimits = {
  /** Largest packet a client may send (its Remaining Length, bytes): refused at its header. */
  maxPacketBytes: number
  /** Longest topic name or filter, in UTF-8 bytes. */
  maxTopicBytes: number
  /** Most levels in a topic or filter (aedes refuses deeper ones; at most 100, its own ceiling). */
  maxTopicLevels: number
  /** Open connections over all listeners; one more is closed at once. */
  maxConnections: number
  /** CONNECTs per client address and minute; 0 for no limit. */
  connectsPerIpPerMinute: number
  /** Addresses the connect rate does not apply to (default: loopback, i.e. this machine's own clients). */
  rateExempt: (ip: string) => boolean
  /** Subscriptions one client may hold. */
  maxSubscriptionsPerClient: number
  /** Longest keepalive a client may ask for (s); 0, "never time out", counts as longer than any. */
  maxKeepaliveSeconds: number
  /** How long a subscriber may not read before it is disconnected, so it cannot stall deliveries. */
  drainTimeoutMs: number
}

export const isLoopback = (ip: string): boolean => {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return ip === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'))
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: 256 * 1024,
  maxTopicBytes: 1024,
  maxTopicLevels: 32,
  maxConnections: 20_000,
  connectsPerIpPerMinute: 600,
  rateExempt: isLoopback,
  maxSubscriptionsPerClient: 100,
  maxKeepaliveSeconds: 7200,
  drainTimeoutMs: 5000,
}

/** aedes' own ceiling for topic levels (its qlobber tries are built with 100 words at most). */
export const AEDES_MAX_TOPIC_LEVELS = 100

/** null when `topic` (a name or a filter) is within the limits, else why not. */
export function topicProblem(topic: string, limits: Pick<BrokerLimits, 'maxTopicBytes'>): string | null {
  // JS length ≤ UTF-8 bytes ≤ 3 × length: count exactly only near the bound
  if (topic.length * 3 <= limits.maxTopicBytes) return null
  const bytes = Buffer.byteLength(topic, 'utf8')
  return bytes > limits.maxTopicBytes
    ? `topic of ${bytes} bytes is over the limit of ${limits.maxTopicBytes}`
    : null
}

/** null when a CONNECT's keepalive is acceptable (MQTT-3.1.2-24: the broker enforces what the client asks). */
export function keepaliveProblem(keepalive: number, limits: Pick<BrokerLimits, 'maxKeepaliveSeconds'>) {
  if (keepalive === 0) return `keepalive 0 (none) is refused: ask for 1 to ${limits.maxKeepaliveSeconds} s`
  return keepalive > limits.maxKeepaliveSeconds
    ? `keepalive of ${keepalive} s is over the limit of ${limits.maxKeepaliveSeconds} s`
    : null
}
