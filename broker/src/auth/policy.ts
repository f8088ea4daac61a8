import {
  COLLECTION_ORDERS_TOPIC,
  STA_TOPIC_PREFIX,
  parseDeviceTopic,
  type LorawanNetwork,
} from '@urbantwin/model'

/**
 * Who a connected client is. `device` publishes only its own native uplink and reads its own downlink;
 * `bridge` (a LoRaWAN network server's integration) publishes only uplinks in its network server's
 * envelope (TTS v3 or ChirpStack v4); `gateway` (the simulator) publishes any device's uplink, native or
 * enveloped, may create Observations on SensorThings topics, and reads collection orders and downlinks;
 * `admin` may do anything but publish on `$` topics, and alone reads `$SYS`; `apikey` (an API key of the
 * platform as the login) uses SensorThings topics only, as its role's permissions say; `anonymous` only
 * reads SensorThings topics (`v1.1/…`) and never writes — unless anonymous access is switched on for
 * interoperability tests, when it may also use any topic outside the platform's namespaces.
 */
export type Principal =
  | { role: 'device'; deviceId: string }
  | { role: 'bridge'; username: string; network: LorawanNetwork }
  | { role: 'gateway'; username: string }
  | { role: 'admin'; username: string }
  | { role: 'apikey'; keyId: string; read: boolean; writeObservations: boolean }
  | { role: 'anonymous' }

export type Decision = { ok: true } | { ok: false; reason: string }

export type AccessOptions = {
  /** Whether open data may be read without a login (the platform's `API_ANONYMOUS_READ`). */
  anonymousRead: boolean
  /**
   * `MQTT_ALLOW_ANONYMOUS`, like mosquitto's `allow_anonymous`, for interoperability tests: clients without
   * a login may publish and subscribe outside the platform's namespaces (default false).
   */
  allowAnonymous?: boolean
}

const DEFAULT_ACCESS: AccessOptions = { anonymousRead: true, allowAnonymous: false }

/**
 * First topic levels the platform owns: its own (`urbantwin/…`: uplinks, downlinks, collection orders),
 * The Things Stack's (`v3/…`), ChirpStack's (`application/…`) and SensorThings' (`v1.1/…`).
 */
const PLATFORM_ROOTS = new Set(['urbantwin', 'v3', 'application', STA_TOPIC_PREFIX.slice(0, -1)])

/** Could `filter` (or topic) touch a topic of the platform's namespaces or a `$` topic? */
function touchesPlatform(filter: string): boolean {
  const root = filter.split('/', 1)[0]!
  // a wildcard first level matches every namespace (though not `$` topics: MQTT-4.7.2-1)
  return root === '+' || root === '#' || root.startsWith('$') || PLATFORM_ROOTS.has(root)
}

/** Downlink topics a gateway may read (the simulator stands in for devices). */
const DOWNLINK = /^urbantwin\/v1\/devices\/[^/#]+\/down$/

const allow: Decision = { ok: true }
const deny = (reason: string): Decision => ({ ok: false, reason })

/** May `who` publish on `topic`? (publish topics never contain wildcards: MQTT-3.3.2-2) */
export function decidePublish(who: Principal, topic: string, opts: AccessOptions = DEFAULT_ACCESS): Decision {
  if (topic.startsWith('$')) return deny(`publishing to ${topic} is reserved to the broker`)
  if (who.role === 'anonymous')
    return opts.allowAnonymous && !touchesPlatform(topic)
      ? allow
      : deny(
          opts.allowAnonymous
            ? `anonymous clients may not publish in the platform's namespaces (${topic})`
            : 'anonymous clients may not publish',
        )
  if (topic.startsWith(STA_TOPIC_PREFIX)) {
    // STA 14.2.2: a PUBLISH on a SensorThings topic creates an Observation
    if (who.role === 'admin' || who.role === 'gateway') return allow
    if (who.role === 'apikey')
      return who.writeObservations ? allow : deny(`API key ${who.keyId} may not create Observations`)
    return deny(`${nameOf(who)} may not publish on SensorThings topics`)
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
  if (who.role === 'bridge' && uplink.format !== who.network)
    return deny(`${who.network} bridge ${who.username} may not publish ${uplink.format} uplinks`)
  return allow
}

const nameOf = (who: Exclude<Principal, { role: 'apikey' | 'anonymous' | 'admin' | 'gateway' }>) =>
  who.role === 'device' ? `device ${who.deviceId}` : `${who.network} bridge ${who.username}`

/** May `who` subscribe to `filter`? */
export function decideSubscribe(
  who: Principal,
  filter: string,
  opts: AccessOptions = DEFAULT_ACCESS,
): Decision {
  if (who.role === 'admin') return allow
  if (who.role === 'anonymous' && opts.allowAnonymous && !touchesPlatform(filter)) return allow
  if (filter.startsWith('$') || filter.startsWith('#') || filter.startsWith('+'))
    return deny(`${filter} is not open to ${who.role} clients`)
  if (filter.startsWith(STA_TOPIC_PREFIX)) {
    if (opts.anonymousRead) return allow
    if (who.role === 'anonymous')
      return deny('anonymous read is off: log in to subscribe to SensorThings topics')
    if (who.role === 'apikey' && !who.read) return deny(`API key ${who.keyId} may not read`)
    return allow
  }
  // least privilege: the simulator reads what it acts on (orders, downlinks), not other devices' uplinks
  if (who.role === 'gateway' && (filter === COLLECTION_ORDERS_TOPIC || DOWNLINK.test(filter))) return allow
  if (who.role === 'device' && filter === `urbantwin/v1/devices/${who.deviceId}/down`) return allow
  return deny(`${who.role} clients may not subscribe to ${filter}`)
}
