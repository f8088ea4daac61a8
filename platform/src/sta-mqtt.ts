import { can } from '@urbantwin/api'
import type { ApiKeyLogin } from '@urbantwin/broker'
import type { ApiKeyStore } from './api-keys.ts'
import type { Config } from './config.ts'

/**
 * MQTT logins with an API key (username `apikey`, the key as password), for the SensorThings MQTT
 * extension: the key file decides as for HTTP, and the key's role says whether it may read (when
 * anonymous read is off) and create Observations (`write` or `write:observations`).
 */
export function mqttApiKeyLogin(
  keys: Pick<ApiKeyStore, 'verify'>,
  now: () => Date = () => new Date(),
): (token: string) => ApiKeyLogin {
  return (token) => {
    const check = keys.verify(token, now())
    if (!check.ok) return { ok: false, reason: `the API key is ${check.reason}` }
    const { keyId, role } = check.principal
    return {
      ok: true,
      keyId,
      read: can(role, 'read'),
      writeObservations: can(role, 'write') || can(role, 'write:observations'),
    }
  }
}

/** Where clients reach the platform: PUBLIC_URL, else the HTTP listener as `npm start` prints it. */
export function publicUrl(
  config: Pick<Config, 'PUBLIC_URL' | 'BIND_HOST' | 'HTTP_TLS_CERT'>,
  httpPort: number,
): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL
  const host = config.BIND_HOST === '0.0.0.0' || config.BIND_HOST === '::' ? 'localhost' : config.BIND_HOST
  const scheme = config.HTTP_TLS_CERT ? 'https' : 'http'
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${httpPort}`
}
