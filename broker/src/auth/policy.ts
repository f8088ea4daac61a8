import { STA_TOPIC_PREFIX, parseDeviceTopic } from '@urbantwin/model'

/**
 * Who a connected client is. `device` publishes only its own native uplink; `gateway` (simulators,
 * LoRaWAN network-server bridges) publishes any device's uplink, native or in a TTS v3 / ChirpStack v4
 * envelope, and may create Observations on SensorThings topics; `admin` may also read `$SYS`;
 * `apikey` (an API key of the platform as the login) uses SensorThings topics only, as its role's
 * permissions say; `anonymous` only reads SensorThings topics (`v1.1/…`) and never writes.
 */
export type Principal =
  | { role: 'device'; deviceId: string }
  | { role: 'gateway'; username: string }
  | { role: 'admin'; username: string }
  | { role: 'apikey'; keyId: string; read: boolean; writeObservations: boolean }
  | { role: 'anonymous' }

export type Decision = { ok: true } | { ok: false; reason: string }

export type AccessOptions = {
  /** Whether open data may be read without a login (the platform's `API_ANONYMOUS_READ`). */
  anonymousRead: boolean
}

const allow: Decision = { ok: true }
const deny = (reason: string): Decision => ({ ok: false, reason })

/** May `who` publish on `topic`? (publish topics never contain wildcards: MQTT-3.3.2-2) */
export function decidePublish(who: Principal, topic: string): Decision {
  if (topic.startsWith('$')) return deny(`publishing to ${topic} is reserved to the broker`)
  if (who.role === 'anonymous') return deny('anonymous clients may not publish')
  if (topic.startsWith(STA_TOPIC_PREFIX)) {
    // STA 14.2.2: a PUBLISH on a SensorThings topic creates an Observation
    if (who.role === 'admin' || who.role === 'gateway') return allow
    if (who.role === 'apikey')
      return who.writeObservations ? allow : deny(`API key ${who.keyId} may not create Observations`)
    return deny(`device ${who.deviceId} may not publish on SensorThings topics`)
  }
  if (who.role === 'admin') return allow
  if (who.role === 'apikey') return deny(`API key logins publish only on SensorThings topics, not ${topic}`)
  const uplink = parseDeviceTopic(topic)
  if (!uplink) return deny(`${topic} is not a device uplink topic`)
  if (who.role === 'device') {
    if (uplink.format !== 'native')
      return deny(`device ${who.deviceId} may not publish network-server envelopes`)
    if (who.deviceId !== uplink.deviceId)
      return deny(`device ${who.deviceId} may not publish as ${uplink.deviceId}`)
  }
  return allow
}

/** May `who` subscribe to `filter`? */
export function decideSubscribe(
  who: Principal,
  filter: string,
  opts: AccessOptions = { anonymousRead: true },
): Decision {
  const sys = filter.startsWith('$SYS')
  if (who.role === 'admin') return allow
  if (sys || filter.startsWith('#') || filter.startsWith('+'))
    return deny(`${filter} is not open to ${who.role} clients`)
  if (filter.startsWith(STA_TOPIC_PREFIX)) {
    if (opts.anonymousRead) return allow
    if (who.role === 'anonymous')
      return deny('anonymous read is off: log in to subscribe to SensorThings topics')
    if (who.role === 'apikey' && !who.read) return deny(`API key ${who.keyId} may not read`)
    return allow
  }
  if (who.role === 'gateway') return allow
  if (who.role === 'device' && filter === `urbantwin/v1/devices/${who.deviceId}/down`) return allow
  return deny(`${who.role} clients may not subscribe to ${filter}`)
}
