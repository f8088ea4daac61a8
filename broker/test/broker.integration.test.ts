import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger, type Inbound } from '@urbantwin/model'
import { openWal, type MqttAccount, type Wal } from '@urbantwin/store'
import { createBroker, hashSecret, type Broker } from '../src/index.ts'
import { waitFor } from './wait-for.ts'

describe('broker: authentication and ACLs over real MQTT (TCP and WebSocket)', () => {
  let broker: Broker
  let tcp: Server
  let http: HttpServer
  let port: number
  let httpPort: number
  const uplinks: Inbound[] = []
  const clients: MqttClient[] = []
  const accounts = new Map<string, MqttAccount>()

  let wal: Wal
  let walDir: string
  /** What the WAL is asked to append; `gate` holds appends back to observe the ack order. */
  let gate: Promise<void> = Promise.resolve()
  let walOptions: { maxBytes?: number } = {}

  beforeEach(async () => {
    uplinks.length = 0
    walDir = mkdtempSync(join(tmpdir(), 'ut-broker-wal-'))
    wal = await openWal({ dir: walDir, ...walOptions })
    accounts.set('c-1', {
      username: 'c-1',
      passwordHash: await hashSecret('token-1'),
      role: 'device',
      deviceId: 'c-1',
    })
    accounts.set('ops', {
      username: 'ops',
      passwordHash: await hashSecret('ops-pw'),
      role: 'admin',
      deviceId: null,
    })
    accounts.set('sim', {
      username: 'sim',
      passwordHash: await hashSecret('sim-pw'),
      role: 'gateway',
      deviceId: null,
    })
    broker = await createBroker({
      log: silentLogger,
      account: async (u) => accounts.get(u) ?? null,
      wal: {
        append: async (m) => {
          await gate
          const seq = await wal.append(m)
          uplinks.push(m)
          return seq
        },
      },
    })
    tcp = createServer(broker.handle)
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    port = (tcp.address() as AddressInfo).port
    http = createHttpServer((_req, res) => res.writeHead(404).end())
    broker.attachWebSocket(http, '/mqtt')
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    httpPort = (http.address() as AddressInfo).port
  })

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    await broker.close()
    await wal.close()
    rmSync(walDir, { recursive: true, force: true })
    gate = Promise.resolve()
    walOptions = {}
    await new Promise((r) => tcp.close(r))
    http.closeAllConnections()
    await new Promise((r) => http.close(r))
  })

  async function connect(opts: mqtt.IClientOptions, url = `mqtt://127.0.0.1:${port}`) {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts })
    clients.push(c)
    return c
  }

  it('accepts a device with its token and hands its uplink on with the payload', async () => {
    const c = await connect({ username: 'c-1', password: 'token-1' })
    await c.publishAsync('urbantwin/v1/devices/c-1/up', '{"fillingLevel":0.5}', { qos: 1 })
    const got = await waitFor(() => uplinks[0], 'uplink')
    expect(got.topic).toBe('urbantwin/v1/devices/c-1/up')
    expect(new TextDecoder().decode(got.payload)).toBe('{"fillingLevel":0.5}')
    expect(Number.isNaN(Date.parse(got.receivedAt))).toBe(false)
  })

  it('sends PUBACK only after the uplink is durable in the WAL', async () => {
    let open!: () => void
    gate = new Promise((r) => (open = r))
    const c = await connect({ username: 'c-1', password: 'token-1' })
    let acked = false
    const publish = c
      .publishAsync('urbantwin/v1/devices/c-1/up', '{"fillingLevel":0.5}', { qos: 1 })
      .then(() => (acked = true))
    await waitFor(() => (c.connected ? true : undefined), 'connected')
    await new Promise((r) => setTimeout(r, 150)) // give a premature PUBACK every chance to arrive
    expect(acked).toBe(false)
    open()
    await publish
    // by the time the device holds its PUBACK the record is on disk
    expect((await wal.read(0, 10)).map((r) => r.topic)).toEqual(['urbantwin/v1/devices/c-1/up'])
  })

  it('delivers a QoS 1 uplink to subscribers while its PUBACK waits for the WAL, once; QoS 2 only after PUBREC', async () => {
    let open!: () => void
    gate = new Promise((r) => (open = r))
    const sub = await connect({ username: 'ops', password: 'ops-pw' })
    const got: string[] = []
    sub.on('message', (topic, payload) => got.push(`${topic} ${String(payload)}`))
    await sub.subscribeAsync('urbantwin/v1/devices/+/up', { qos: 1 })
    const c = await connect({ username: 'c-1', password: 'token-1' })
    let acked = false
    const publish = c.publishAsync('urbantwin/v1/devices/c-1/up', 'one', { qos: 1 })
    void publish.then(() => (acked = true))
    await waitFor(() => got[0], 'the uplink at the subscriber')
    expect(acked).toBe(false) // the device still waits: its PUBACK needs the WAL
    // the device's next message is not held up by the first one's PUBACK
    const acks: string[] = []
    c.on('packetreceive', (p) => {
      if (p.cmd === 'puback') acks.push(String(p.messageId))
    })
    const next = c.publishAsync('urbantwin/v1/devices/c-1/up', 'one more', { qos: 1 })
    await waitFor(() => got[1], 'the second uplink at the subscriber')
    expect(acked).toBe(false)
    let received = false
    const exactlyOnce = c
      .publishAsync('urbantwin/v1/devices/c-1/up', 'two', { qos: 2 })
      .then(() => (received = true))
    await new Promise((r) => setTimeout(r, 150)) // give an early QoS 2 delivery every chance to arrive
    expect(got).toEqual(['urbantwin/v1/devices/c-1/up one', 'urbantwin/v1/devices/c-1/up one more'])
    expect(received).toBe(false)
    open()
    const [first, second] = await Promise.all([publish, next, exactlyOnce])
    // MQTT-4.6.0-2: the PUBACKs in the order of the PUBLISH packets
    expect(acks).toEqual([first, second].map((p) => String(p?.messageId)))
    // one copy each
    await sub.subscribeAsync('barrier/y', { qos: 1 })
    await sub.publishAsync('barrier/y', 'b', { qos: 1 })
    await waitFor(() => got.find((m) => m.startsWith('barrier/y')), 'the barrier')
    expect(got).toEqual([
      'urbantwin/v1/devices/c-1/up one',
      'urbantwin/v1/devices/c-1/up one more',
      'urbantwin/v1/devices/c-1/up two',
      'barrier/y b',
    ])
  })

  it('refuses QoS 1 publishes with a reason when the WAL is full, and loses nothing it acked', async () => {
    await broker.close()
    await wal.close()
    walOptions = { maxBytes: 400 }
    wal = await openWal({ dir: mkdtempSync(join(tmpdir(), 'ut-broker-wal-')), ...walOptions })
    const warnings: unknown[] = []
    broker = await createBroker({
      log: { ...silentLogger, warn: (o) => warnings.push(o) },
      account: async (u) => accounts.get(u) ?? null,
      wal: { append: (m) => wal.append(m) },
    })
    tcp.removeAllListeners('connection')
    tcp.on('connection', broker.handle)
    const c = await connect({ username: 'c-1', password: 'token-1' })
    let acked = 0
    for (let i = 0; i < 20 && c.connected; i++) {
      // one at a time: wait for the PUBACK or for the broker to drop the connection
      await new Promise<void>((resolve) => {
        c.once('close', resolve)
        c.publish(
          'urbantwin/v1/devices/c-1/up',
          JSON.stringify({ fillingLevel: 0.5, pad: 'x'.repeat(40) }),
          { qos: 1 },
          (err) => {
            if (!err) acked++
            resolve()
          },
        )
      })
    }
    await waitFor(() => (c.connected ? undefined : true), 'refused publisher disconnected')
    expect(acked).toBeGreaterThan(0)
    expect(acked).toBeLessThan(20)
    // every message the device holds a PUBACK for is in the WAL
    expect((await wal.read(0, 100)).length).toBeGreaterThanOrEqual(acked)
    expect(warnings).toContainEqual(
      expect.objectContaining({ reason: expect.stringMatching(/write-ahead log full/) }),
    )
  })

  it('refuses a wrong token and an unknown user (CONNACK 4)', async () => {
    await expect(connect({ username: 'c-1', password: 'wrong' })).rejects.toThrow(/Bad username or password/i)
    await expect(connect({ username: 'ghost', password: 'x' })).rejects.toThrow(/Bad username or password/i)
  })

  it('never stores an anonymous write or a device writing as another device', async () => {
    const anon = await connect({})
    anon.publish('urbantwin/v1/devices/c-1/up', '{"fillingLevel":0.1}', { qos: 1 })
    await waitFor(() => (anon.connected ? undefined : true), 'anonymous client to be disconnected')
    const dev = await connect({ username: 'c-1', password: 'token-1' })
    dev.publish('urbantwin/v1/devices/c-2/up', '{"fillingLevel":0.1}', { qos: 1 })
    await waitFor(() => (dev.connected ? undefined : true), 'impostor to be disconnected')
    // a legitimate publish afterwards proves the broker is still serving and nothing else got through
    const gw = await connect({ username: 'sim', password: 'sim-pw' })
    await gw.publishAsync('urbantwin/v1/devices/c-9/up', '{"fillingLevel":0.9}', { qos: 1 })
    await waitFor(() => uplinks[0], 'gateway uplink')
    expect(uplinks.map((u) => u.topic)).toEqual(['urbantwin/v1/devices/c-9/up'])
  })

  it('denies a device subscribing to other devices (SUBACK 0x80) but allows SensorThings topics', async () => {
    const dev = await connect({ username: 'c-1', password: 'token-1' })
    const ok = await dev.subscribeAsync('v1.1/Datastreams(1)/Observations')
    expect(ok[0]?.qos).toBe(0)
    const denied = await dev.subscribeAsync('urbantwin/v1/devices/+/up').catch((e: Error) => e)
    expect(denied).toBeInstanceOf(Error)
  })

  it('survives topics of 101 and more levels (GHSA-xxqp-5qx8-gj5q): refused, the broker serves on', async () => {
    const deep = (levels: number) => Array.from({ length: levels }, (_, i) => `l${i}`).join('/')
    for (const levels of [101, 1_000, 10_000]) {
      // the admin may publish and subscribe anywhere: only aedes' level limit (100) refuses these
      const gw = await connect({ username: 'ops', password: 'ops-pw' })
      gw.publish(deep(levels), '{}', { qos: 1 })
      await waitFor(
        () => (gw.connected ? undefined : true),
        `publisher of ${levels} levels to be disconnected`,
      )
      const sub = await connect({ username: 'ops', password: 'ops-pw' })
      sub.subscribe(deep(levels))
      await waitFor(
        () => (sub.connected ? undefined : true),
        `subscriber of ${levels} levels to be disconnected`,
      )
    }
    // still serving, and nothing of the deep topics reached the WAL
    const dev = await connect({ username: 'c-1', password: 'token-1' })
    await dev.publishAsync('urbantwin/v1/devices/c-1/up', '{"fillingLevel":0.3}', { qos: 1 })
    await waitFor(() => uplinks[0], 'uplink after the deep topics')
    expect(uplinks.map((u) => u.topic)).toEqual(['urbantwin/v1/devices/c-1/up'])
  })

  it('serves MQTT over WebSocket at /mqtt', async () => {
    const c = await connect({ username: 'sim', password: 'sim-pw' }, `ws://127.0.0.1:${httpPort}/mqtt`)
    await c.publishAsync('urbantwin/v1/devices/ws-1/up', '{"fillingLevel":0.2}', { qos: 1 })
    expect((await waitFor(() => uplinks[0], 'ws uplink')).clientId).toBe(c.options.clientId)
  })
})
