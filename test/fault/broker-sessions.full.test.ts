import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '@urbantwin/broker/testing/redis'
import {
  NO_SIMULATION,
  registerContainer,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

/** A device's persistent MQTT session (cleanSession=false) across a restart of npm start's process. */
describe('persistent MQTT sessions survive a platform restart with MQTT_REDIS_URL', () => {
  const tmp = tempDataDir()
  const running: PlatformProcess[] = []
  let redis: RedisServer | undefined
  afterAll(async () => {
    for (const p of running) await p.stop('SIGKILL')
    await redis?.stop()
    tmp.remove()
  })

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

  it('keeps the session in Redis: session present after a kill -9 and a new start; without Redis it is gone', async () => {
    redis = await startRedis()
    const env = { ...NO_SIMULATION, MQTT_REDIS_URL: redis.url }
    const first = await startPlatformProcess({ dataDir: tmp.dir, env })
    running.push(first)
    const { mqtt: login } = await registerContainer(first, 'sess-1')
    expect(await sessionPresent(first, login.password, true)).toBe(false) // a new session
    expect(await sessionPresent(first, login.password, false)).toBe(true)
    await first.stop('SIGKILL')

    const second = await startPlatformProcess({ dataDir: tmp.dir, env })
    running.push(second)
    expect(await sessionPresent(second, login.password, false)).toBe(true)
    await second.stop()

    // the peer: the same data without Redis keeps sessions in memory only
    const third = await startPlatformProcess({ dataDir: tmp.dir, env: { ...NO_SIMULATION } })
    running.push(third)
    expect(await sessionPresent(third, login.password, false)).toBe(false)
  }, 120_000)
})
