/** Why the broker refused something; a bounded set, so that each is one Prometheus label value. */
export const REFUSAL_REASONS = [
  'login', // bad username or password, or the login could not be checked
  'acl-publish', // the ACL refused a PUBLISH (the client is disconnected: MQTT 3.1.1 has no negative PUBACK)
  'acl-subscribe', // the ACL refused a filter (SUBACK 0x80)
  'invalid-message', // a topic extension refused the message (e.g. an invalid Observation)
  'store-unavailable', // the WAL or the store could not take the message
  'packet-too-large',
  'topic-too-long',
  'max-connections',
  'connect-rate',
  'max-subscriptions',
  'keepalive',
  'slow-subscriber', // did not read within the drain timeout
] as const
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/** Counters since the broker started (read by the platform's /metrics). */
export type BrokerStats = {
  /** Open network connections (before and after CONNECT). */
  connections: number
  /** Accepted CONNECTs. */
  connects: number
  refused: Record<RefusalReason, number>
  /** PUBLISH packets accepted from clients, by QoS 0, 1, 2. */
  received: [number, number, number]
  /** PUBLISH packets handed to subscribers, by the QoS they were published with. */
  forwarded: [number, number, number]
}

export function createStats(): BrokerStats {
  return {
    connections: 0,
    connects: 0,
    refused: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>,
    received: [0, 0, 0],
    forwarded: [0, 0, 0],
  }
}
