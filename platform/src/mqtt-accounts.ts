import type { IssuedMqttLogin, MqttAccountInfo, MqttAccountsDeps } from '@urbantwin/api'
import { generateSecret, hashToken } from '@urbantwin/broker'
import type { MqttAccount, Store } from '@urbantwin/store'

const info = (a: MqttAccount): MqttAccountInfo => ({
  username: a.username,
  role: a.role,
  deviceId: a.deviceId,
  network: a.network ?? null,
  issuedAt: a.issuedAt ?? null,
})

/** The platform's own logins (the admin, the simulator): made and kept by the platform at each start. */
const reserved = (a: MqttAccount) => a.role === 'admin' || a.role === 'gateway'

/**
 * MQTT logins for operators (`/api/mqtt/accounts`, `urbantwin mqtt-account`): secrets are generated,
 * answered once and stored as hashes; a rotated or revoked login's connections are closed at once by
 * `disconnect` (the broker, on the main thread).
 */
export function mqttAccountsService(
  store: Store,
  disconnect: (username: string) => Promise<number>,
): MqttAccountsDeps {
  const issue = async (a: Omit<MqttAccount, 'passwordHash'>): Promise<IssuedMqttLogin> => {
    const password = generateSecret()
    await store.putMqttAccount({ ...a, passwordHash: hashToken(password) })
    const stored = await store.mqttAccount(a.username)
    if (!stored) throw new Error(`MQTT login ${a.username} vanished as it was written`)
    // the old secret's sessions end now, not at their next reconnect
    return { ...info(stored), password, disconnected: await disconnect(a.username) }
  }
  return {
    list: async () => (await store.mqttAccounts()).map(info),
    create: async (n) => {
      if (await store.mqttAccount(n.username)) return 'exists'
      if (n.role === 'device') {
        if (!(await store.device(n.username))) return 'unknown-device'
        return issue({ username: n.username, role: 'device', deviceId: n.username, network: null })
      }
      return issue({ username: n.username, role: 'bridge', deviceId: null, network: n.network })
    },
    rotate: async (username) => {
      const a = await store.mqttAccount(username)
      if (!a) return null
      if (reserved(a)) return 'reserved'
      return issue(a)
    },
    revoke: async (username) => {
      const a = await store.mqttAccount(username)
      if (!a) return null
      if (reserved(a)) return 'reserved'
      await store.deleteMqttAccount(username)
      return disconnect(username)
    },
  }
}
