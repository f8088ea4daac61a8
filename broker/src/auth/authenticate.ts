import type { Client } from 'aedes'
import type { Logger } from '@urbantwin/model'
import type { MqttAccount } from '@urbantwin/store'
import { verifySecret } from './credentials.ts'
import type { Principal } from './policy.ts'

/** The MQTT username under which a client presents an API key of the platform as its password. */
export const API_KEY_USERNAME = 'apikey'

/** What the platform's key store says about an API key presented as an MQTT login. */
export type ApiKeyLogin =
  { ok: true; keyId: string; read: boolean; writeObservations: boolean } | { ok: false; reason: string }

export type LoginDeps = {
  log: Logger
  /** Looks up an MQTT login; only its hash is stored. */
  account: (username: string) => Promise<MqttAccount | null>
  /** Checks an API key (username `apikey`); without it, `apikey` is an ordinary account name. */
  apiKey?: (token: string) => ApiKeyLogin | Promise<ApiKeyLogin>
}

type Authenticate = (
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
  done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
) => void

// MQTT 3.1.1 CONNACK return codes (MQTT-3.2.2.3)
const BAD_USERNAME_OR_PASSWORD = 4

function authError(message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode: BAD_USERNAME_OR_PASSWORD })
}

function principalOf(a: MqttAccount): Principal | null {
  if (a.role === 'device' && a.deviceId) return { role: 'device', deviceId: a.deviceId }
  if (a.role === 'admin') return { role: 'admin', username: a.username }
  if (a.role === 'bridge' && a.network) return { role: 'bridge', username: a.username, network: a.network }
  if (a.role === 'gateway') return { role: 'gateway', username: a.username }
  return null // e.g. a device login without its device: nothing it could be allowed
}

/** Finds out who `username`/`password` is; null when the login is refused. Rejects on lookup failures. */
async function login(deps: LoginDeps, username: string, secret: string): Promise<Principal | null> {
  if (username === API_KEY_USERNAME && deps.apiKey) {
    const key = await deps.apiKey(secret)
    if (!key.ok) {
      deps.log.warn({ username, reason: key.reason }, 'mqtt api key refused')
      return null
    }
    return { role: 'apikey', keyId: key.keyId, read: key.read, writeObservations: key.writeObservations }
  }
  const account = await deps.account(username)
  if (!account || !(await verifySecret(secret, account.passwordHash))) return null
  return principalOf(account)
}

/** aedes `authenticate`: no username is anonymous; a wrong login gets CONNACK 4. */
export function createAuthenticate(deps: LoginDeps, principals: WeakMap<Client, Principal>): Authenticate {
  return (client, username, password, done) => {
    if (username === undefined || username === '') {
      principals.set(client, { role: 'anonymous' })
      return done(null, true)
    }
    login(deps, username, password?.toString('utf8') ?? '').then(
      (principal) => {
        if (!principal) {
          deps.log.warn({ clientId: client.id, username }, 'mqtt login refused')
          return done(authError('bad username or password'), false)
        }
        principals.set(client, principal)
        done(null, true)
      },
      (err: unknown) => {
        deps.log.error({ err, clientId: client.id }, 'mqtt login lookup failed')
        done(authError('login temporarily unavailable'), false)
      },
    )
  }
}
