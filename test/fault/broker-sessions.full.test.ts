import mqtt, { type IPublishPacket } from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '@urbantwin/broker/testing/redis'
import {
  NO_SIMULATION,
  eventually,
  registerContainer,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

/**
 * Persistent MQTT sessions (cleanSession=false) across a `kill -9` of npm start's process and a new start:
 * in the session journal of the data directory (one node, the default), and in Redis (MQTT_REDIS_URL).
 */
describe('persistent MQTT sessions survive kill -9 of the platform', () => {
  const running: PlatformProcess[] = []
  const dirs: { remove: () => void }[] = []
  let redis: RedisServer | undefined
  afterAll(async () => {
    for (const p of running) await p.stop('SIGKILL')
    await redis?.stop()
    for (const d of dirs) d.remove()
  })
  const start = async (dataDir: string, env: Record<string, string>) => {
    const p = await startPlatformProcess({ dataDir, env })
    running.push(p)
    return p
  }

  /** Connects as the device with a persistent session; the CONNACK's session-present flag. */
  async function sessionPresent(p: PlatformProcess, password: string, subscribe: boolean): Promise<boolean> {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.mqttPort}`, {
      clientId: 'sess-1',
      clean: false,
      username: 'sess-1',
      password,
      reconnectPeriod: 0,
    })
    const present = (c as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket
    if (subscribe) await c.subscribeAsync('urbantwin/v1/devices/sess-1/down', { qos: 1 })
    await c.endAsync()
    if (present === undefined) throw new Error('mqtt.js did not keep the CONNACK')
    return present.sessionPresent
  }

  for (const where of ['the data directory', 'Redis'] as const)
    it(`keeps a device's session in ${where}: session present after a kill -9 and a new start`, async () => {
      const tmp = tempDataDir()
      dirs.push(tmp)
      let env: Record<string, string> = { ...NO_SIMULATION }
      if (where === 'Redis') {
        redis = await startRedis()
        env = { ...env, MQTT_REDIS_URL: redis.url }
      }
      const first = await start(tmp.dir, env)
      const { mqtt: login } = await registerContainer(first, 'sess-1')
      expect(await sessionPresent(first, login.password, true)).toBe(false) // a new session
      expect(await sessionPresent(first, login.password, false)).toBe(true)
      await first.stop('SIGKILL')

      const second = await start(tmp.dir, env)
      expect(await sessionPresent(second, login.password, false)).toBe(true)
      await second.stop()
    }, 120_000)

  it('delivers a QoS 1 message queued for an offline session, and keeps a retained message, after a kill -9 (journal)', async () => {
    const tmp = tempDataDir()
    dirs.push(tmp)
    // anonymous clients on topics outside the platform's namespaces: a plain broker's behaviour, enough here
    const env = { ...NO_SIMULATION, MQTT_ALLOW_ANONYMOUS: 'true' }
    const first = await start(tmp.dir, env)
    const url = `mqtt://127.0.0.1:${first.mqttPort}`
    const sleeper = await mqtt.connectAsync(url, {
      clientId: 'night-shift',
      clean: false,
      reconnectPeriod: 0,
    })
    await sleeper.subscribeAsync('interop/#', { qos: 1 })
    await sleeper.endAsync()
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
    await pub.publishAsync('interop/a', 'queued while offline', { qos: 1 })
    await pub.publishAsync('interop/status', 'up', { qos: 1, retain: true })
    await pub.endAsync()
    // aedes sends a QoS 1 PUBACK before it routes the message (TOOLCHAIN.md); routed, it is in the journal
    const admin = { authorization: `Bearer ${secretsOf(first).apiAdminKey}` }
    await eventually(async () => {
      const text = await (await fetch(`${first.base}/metrics`, { headers: admin })).text()
      const routed =
        /^urbantwin_mqtt_retained_messages 1$/m.test(text) &&
        /^urbantwin_mqtt_session_queued_messages 2$/m.test(text) // interop/a and interop/status
      return routed ? true : undefined
    }, 'the broker to route both messages')
    await first.stop('SIGKILL') // no shutdown: what the journal holds is what was written before the kill

    const second = await start(tmp.dir, env)
    const url2 = `mqtt://127.0.0.1:${second.mqttPort}`
    const got: IPublishPacket[] = []
    const again = mqtt.connect(url2, { clientId: 'night-shift', clean: false, reconnectPeriod: 0 })
    again.on('message', (_t, _p, packet) => got.push(packet))
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve)
      again.once('error', reject)
    })
    expect(connack.sessionPresent).toBe(true)
    const queued = await eventually(
      async () => got.find((m) => m.topic === 'interop/a'),
      'the queued message',
    )
    expect([String(queued.payload), queued.qos]).toEqual(['queued while offline', 1])
    await again.endAsync()
    const reader = await mqtt.connectAsync(url2, { reconnectPeriod: 0 })
    const retained = new Promise<Buffer>((resolve) => reader.on('message', (_t, payload) => resolve(payload)))
    await reader.subscribeAsync('interop/status', { qos: 1 })
    expect(String(await retained)).toBe('up')
    await reader.endAsync()
    await second.stop()
  }, 120_000)
})
