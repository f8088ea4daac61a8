import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger, type Inbound } from '@urbantwin/model'
import type { MqttAccount } from '@urbantwin/store'
import { createBroker, hashSecret, type Broker } from '../src/index.ts'

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('broker: authentication and ACLs over real MQTT (TCP and WebSocket)', () => {
  let broker: Broker
  let tcp: Server
  let http: HttpServer
  let port: number
  let httpPort: number
  const uplinks: Inbound[] = []
  const clients: MqttClient[] = []
  const accounts = new Map<string, MqttAccount>()

  beforeEach(async () => {
    uplinks.length = 0
    accounts.set('c-1', {
      username: 'c-1',
      passwordHash: await hashSecret('token-1'),
      role: 'device',
      deviceId: 'c-1',
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
      onUplink: (m) => uplinks.push(m),
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

  it('serves MQTT over WebSocket at /mqtt', async () => {
    const c = await connect({ username: 'sim', password: 'sim-pw' }, `ws://127.0.0.1:${httpPort}/mqtt`)
    await c.publishAsync('urbantwin/v1/devices/ws-1/up', '{"fillingLevel":0.2}', { qos: 1 })
    expect((await waitFor(() => uplinks[0], 'ws uplink')).clientId).toBe(c.options.clientId)
  })
})
