import { parseDeviceTopic } from '@urbantwin/model'

/**
 * Who a connected client is. `device` publishes only its own native uplink; `gateway` (simulators,
 * LoRaWAN network-server bridges) publishes any device's uplink, native or in a TTS v3 / ChirpStack v4
 * envelope; `admin` may also read `$SYS`; `anonymous` only reads
 * SensorThings topics (`v1.1/…`) and never writes.
 */
export type Principal =
  | { role: 'device'; deviceId: string }
  | { role: 'gateway'; username: string }
  | { role: 'admin'; username: string }
  | { role: 'anonymous' }

export type Decision = { ok: true } | { ok: false; reason: string }

const allow: Decision = { ok: true }
const deny = (reason: string): Decision => ({ ok: false, reason })

/** May `who` publish on `topic`? (publish topics never contain wildcards: MQTT-3.3.2-2) */
export function decidePublish(who: Principal, topic: string): Decision {
  if (topic.startsWith('$')) return deny(`publishing to ${topic} is reserved to the broker`)
  if (who.role === 'anonymous') return deny('anonymous clients may not publish')
  if (who.role === 'admin') return allow
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
export function decideSubscribe(who: Principal, filter: string): Decision {
  const sys = filter.startsWith('$SYS')
  if (who.role === 'admin') return allow
  if (sys || filter.startsWith('#') || filter.startsWith('+'))
    return deny(`${filter} is not open to ${who.role} clients`)
  if (filter.startsWith('v1.1/')) return allow
  if (who.role === 'gateway') return allow
  if (who.role === 'device' && filter === `urbantwin/v1/devices/${who.deviceId}/down`) return allow
  return deny(`${who.role} clients may not subscribe to ${filter}`)
}
