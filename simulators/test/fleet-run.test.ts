import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { COLLECTION_ORDERS_TOPIC, parseDeviceTopic, silentLogger } from '@urbantwin/model'
import { munichScenarios, runFleet, type FleetProgress } from '../src/index.ts'

describe('a fleet run against a real MQTT broker (aedes on loopback)', () => {
  let broker: Aedes
  let server: Server
  let url: string
  const received: { topic: string; payload: string; username: string | undefined }[] = []
  const users = new Map<string, string | undefined>()

  beforeEach(async () => {
    received.length = 0
    broker = await Aedes.createBroker({
      authenticate: (client, username, _password, done) => {
        users.set(client.id, username)
        done(null, true)
      },
    })
    broker.on('publish', (packet, client) => {
      if (client && parseDeviceTopic(packet.topic)) {
        received.push({
          topic: packet.topic,
          payload: packet.payload.toString(),
          username: users.get(client.id),
        })
      }
    })
    server = createServer(broker.handle)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    await new Promise<void>((r) => broker.close(() => r()))
    await new Promise((r) => server.close(r))
  })

  it('back-fills history with the original timestamps, then stops at `until`', async () => {
    const scenarios = munichScenarios({ seed: 1, containers: 4, accessPoints: 2, surveys: 1 })
    const progress: FleetProgress[] = []
    const run = await runFleet({
      url,
      login: { username: 'gw', password: 'pw' },
      scenarios,
      mode: 'native',
      speed: 3600,
      from: new Date('2026-11-22T00:00:00Z'),
      until: new Date('2026-11-22T05:59:00Z'),
      log: silentLogger,
      onProgress: (p) => progress.push(p),
    })
    await run.finished
    await run.stop()
    // 6 hours: containers and surveys hourly, access points every 15 minutes
    expect(received).toHaveLength(4 * 6 + 2 * 24 + 1 * 6)
    expect(run.progress()).toMatchObject({ sent: 78, acked: 78, errors: 0, phase: 'done' })
    expect(progress.some((p) => p.phase === 'backfill')).toBe(true)
    const times = received
      .filter((m) => m.topic.includes('/awm-'))
      .map((m) => (JSON.parse(m.payload) as { time: string }).time)
    expect(times[0]).toBe('2026-11-22T00:00:00.000Z')
    expect(times.at(-1)).toBe('2026-11-22T05:00:00.000Z')
    expect(new Set(received.map((m) => m.username))).toEqual(new Set(['gw']))
  })

  it('uses per-device logins when the broker requires them', async () => {
    const scenarios = munichScenarios({ seed: 2, containers: 3, accessPoints: 0, surveys: 0 })
    const perDevice = new Map(
      scenarios[0]!.devices.map((d) => [d.deviceId, { username: d.deviceId, password: 'token' }]),
    )
    const run = await runFleet({
      url,
      perDevice,
      scenarios,
      mode: 'native',
      speed: 3600,
      from: new Date('2026-11-22T00:00:00Z'),
      until: new Date('2026-11-22T00:30:00Z'),
      log: silentLogger,
    })
    await run.finished
    await run.stop()
    expect(received).toHaveLength(3)
    for (const m of received) expect(m.topic).toBe(`urbantwin/v1/devices/${m.username}/up`)
  })

  it('runs live, accelerated, without device timestamps, and obeys collection orders', async () => {
    const scenarios = munichScenarios({ seed: 3, containers: 2, accessPoints: 0, surveys: 0 })
    const target = scenarios[0]!.devices[0]!.deviceId
    const run = await runFleet({
      url,
      login: { username: 'gw', password: 'pw' },
      scenarios,
      mode: 'tts',
      speed: 36_000,
      log: silentLogger,
    })
    try {
      const ops = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
      // orders act in working hours; the accelerated clock gets there within a few simulated days
      const orders = setInterval(
        () =>
          void ops.publishAsync(COLLECTION_ORDERS_TOPIC, JSON.stringify({ deviceIds: [target] }), { qos: 1 }),
        50,
      )
      const deadline = Date.now() + 20_000
      while (
        !received.some((m) => m.topic.endsWith(`/devices/${target}/up`) && hasEmptied(m.payload)) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 50))
      }
      clearInterval(orders)
      await ops.endAsync()
      expect(received.some((m) => hasEmptied(m.payload))).toBe(true)
      const envelope = JSON.parse(received[0]!.payload) as {
        uplink_message: { frm_payload: string }
        received_at: string
      }
      expect(envelope.uplink_message.frm_payload).toMatch(/^[A-Za-z0-9+/]+=*$/)
      // accelerated: stamped with the real clock, not the simulated one
      expect(Math.abs(Date.parse(envelope.received_at) - Date.now())).toBeLessThan(60_000)
    } finally {
      await run.stop()
    }
  })
})

/** The ultrasonic frame's flags byte (index 4) has bit 3 set when the container was emptied. */
function hasEmptied(payload: string): boolean {
  const frame = Buffer.from(
    (JSON.parse(payload) as { uplink_message: { frm_payload: string } }).uplink_message.frm_payload,
    'base64',
  )
  return ((frame[4] ?? 0) & 0b1000) !== 0
}
