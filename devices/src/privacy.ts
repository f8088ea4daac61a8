import { fail, ok, type Outcome } from '@urbantwin/model'

/**
 * Devices report counts, never identities of people (ARCHITECTURE.md, privacy by design). Any payload
 * that carries a hardware address or a field meant for client identifiers is refused before any
 * schema sees it, with a privacy reason, so it can never be stored.
 */
const HEX = '[0-9A-Fa-f]'
/** MAC-48 in its usual spellings (aa:bb:…, aa-bb-…, aabb.ccdd.eeff, aabb:ccdd:eeff), not part of a longer hex run. */
const MAC = new RegExp(
  [
    `(?<!${HEX})${HEX}{2}([:-])(?:${HEX}{2}\\1){4}${HEX}{2}(?!${HEX})`,
    `(?<!${HEX})${HEX}{4}([.:])${HEX}{4}\\2${HEX}{4}(?!${HEX})`,
  ].join('|'),
)
/** A bare 12-digit hex string is how RADIUS and many APs write a MAC (Calling-Station-Id). */
const BARE_MAC = new RegExp(`^${HEX}{12}$`)
/**
 * IPv4 and IPv6 addresses identify a client's device too. (A four-part version number such as
 * "1.2.3.4" reads as an address and is refused: send versions as "v1.2.3.4".) IPv6 needs all eight
 * groups or a "::", so clock times like 08:00:00 are not mistaken for one.
 */
const IPV4 = /(?<![\w.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w.])/
const G = '[0-9A-Fa-f]{1,4}'
const IPV6 = new RegExp(
  `(?<![0-9A-Fa-f:])(?:(?:${G}:){7}${G}|(?:${G}(?::${G}){0,5})?::(?:${G}(?::${G}){0,5})?)(?![0-9A-Fa-f:])`,
)

function identifierIn(text: string): string | null {
  if (MAC.test(text) || BARE_MAC.test(text)) return 'a hardware (MAC) address'
  if (IPV4.test(text) || (IPV6.test(text) && /[0-9A-Fa-f]/.test(text))) return 'an IP address'
  return null
}

/** Field names (lower case, letters only) that only ever carry identifiers of people or their devices. */
const IDENTIFIER_KEYS = new Set([
  'clientid',
  'clientids',
  'clientlist',
  'clients',
  'stations',
  'imei',
  'imsi',
  'msisdn',
  'ip',
  'ips',
  'ipaddress',
  'ipaddresses',
  'clientip',
  'clientips',
  'hostname',
  'hostnames',
  'callingstationid',
  'userid',
  'userids',
  'username',
  'usernames',
  'email',
  'phone',
])

function identifierKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z]/g, '')
  return (
    IDENTIFIER_KEYS.has(k) || /mac(s|addr|address|addresses|hash|hashes)?$/.test(k) || k.startsWith('mac')
  )
}

/** Nesting deeper than this is refused too: no honest device payload needs it. */
const MAX_DEPTH = 8

/** `{ ok: true }` when `value` carries no identifier of a person; otherwise the first finding as reason. */
export function checkPrivacy(value: unknown, path = '', depth = 0): Outcome<true> {
  if (depth > MAX_DEPTH)
    return fail(`privacy: payload nested deeper than ${MAX_DEPTH} levels at ${path || '(root)'}`)
  if (typeof value === 'string') {
    const found = identifierIn(value)
    return found ? fail(`privacy: ${path || '(root)'} holds ${found}; only counts may be sent`) : ok(true)
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = checkPrivacy(value[i], `${path}[${i}]`, depth + 1)
      if (!r.ok) return r
    }
    return ok(true)
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key
      if (identifierKey(key))
        return fail(`privacy: field ${at} would carry client identifiers; only counts may be sent`)
      const inKey = identifierIn(key)
      if (inKey) return fail(`privacy: field name ${at} is ${inKey}`)
      const r = checkPrivacy(v, at, depth + 1)
      if (!r.ok) return r
    }
  }
  return ok(true)
}
