import { z } from 'zod'

/** The role an API key carries. */
export const ApiRole = z.enum(['admin', 'operator', 'device', 'reader'])
export type ApiRole = z.infer<typeof ApiRole>

/** What a request may need. Roles grant explicit permissions, not a ladder. */
export const Permission = z.enum([
  'read', // open data, when anonymous read is off
  'read:unsuppressed', // gender-disaggregated counts without small-cell suppression (operators)
  'write', // create, update, delete SensorThings entities
  'write:observations', // create Observations (a device's only right)
  'provision', // register devices (POST /api/devices)
  'quarantine', // read the quarantine
  'metrics', // scrape /metrics
  'keys', // manage API keys (today only through the CLI, which needs the data directory)
])
export type Permission = z.infer<typeof Permission>

const GRANTS: Record<ApiRole, ReadonlySet<Permission>> = {
  admin: new Set(Permission.options),
  operator: new Set([
    'read',
    'read:unsuppressed',
    'write',
    'write:observations',
    'provision',
    'quarantine',
    'metrics',
  ]),
  device: new Set(['write:observations']),
  reader: new Set(['read']),
}

export function can(role: ApiRole, permission: Permission): boolean {
  return GRANTS[role].has(permission)
}

/**
 * Paths (below `/v1.1`) where a POST creates Observations: `Observations`, the Observations of a
 * (Multi)Datastream (STA 10.2) and `CreateObservations` (STA 11.2, data arrays).
 */
const CREATES_OBSERVATIONS =
  /^\/(?:(?:Multi)?Datastreams\([^/()]+\)\/)?Observations\/?$|^\/CreateObservations\/?$/

/**
 * The permission a SensorThings request needs, or null when anyone may send it.
 * `path` is relative to `/v1.1`. Anything not recognised as creating Observations needs `write`.
 */
export function staPermission(method: string, path: string, anonymousRead: boolean): Permission | null {
  if (method === 'GET' || method === 'HEAD') return anonymousRead ? null : 'read'
  if (method === 'OPTIONS') return null
  if (method === 'POST' && CREATES_OBSERVATIONS.test(path)) return 'write:observations'
  return 'write'
}
