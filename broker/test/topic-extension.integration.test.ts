import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { connect as connectSocket, createServer, type AddressInfo, type Server } from 'node:net'
import mqtt, { type MqttClient } from 'mqtt'
import { generate, parser as packetParser } from 'mqtt-packet'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import {
  createBroker,
  type ApiKeyLogin,
  type Broker,
  type Decision,
  type ExtensionChannel,
  type ExtensionMessage,
  type TopicExtension,
} from '../src/index.ts'
import { hashSecret } from '../src/auth/credentials.ts'
import { waitFor } from './wait-for.ts'
import { connectPacket } from '../testing/packets.ts'

/** A stand-in for the SensorThings extension: `v1.1/ok…` exists, payload `bad` is refused. */
function fakeExtension() {
  const stored: ExtensionMessage[] = []
  let channel!: ExtensionChannel
  let gate: Promise<void> = Promise.resolve()
  const extension: TopicExtension = {
    prefix: 'v1.1/',
    subscribable: (f): Decision =>
      f.startsWith('v1.1/ok') ? { ok: true } : { ok: false, reason: 'no such topic' },
    publish: async (m) => {
      await gate
      if (new TextDecoder().decode(m.payload) === 'bad') return { ok: false, reason: 'bad payload' }
      stored.push(m)
      return { ok: true }
    },
    attach: (c) => {
      channel = c
    },
  }
  return {
    extension,
    stored,
    channel: () => channel,
    hold: () => {
      let open!: () => void
      gate = new Promise((r) => (open = r))
      return open
    },
  }
}

describe('broker: topic extensions (the SensorThings MQTT extension plugs in here)', () => {
  let broker: Broker
  let tcp: Server
  let http: HttpServer
  let urls: { tcp: string; ws: string }
  let ext: ReturnType<typeof fakeExtension>
  const clients: MqttClient[] = []
  const keys: Record<string, ApiKeyLogin> = {
    'key-writer': { ok: true, keyId: 'w', read: true, writeObservations: true },
    'key-reader': { ok: true, keyId: 'r', read: true, writeObservations: false },
  }

  beforeEach(async () => {
    ext = fakeExtension()
    const gatewayHash = await hashSecret('gw-pw')
    broker = await createBroker({
      log: silentLogger,
      account: async (u) =>
        u === 'gw' ? { username: 'gw', passwordHash: gatewayHash, role: 'gateway', deviceId: null } : null,
      apiKey: (token) => keys[token] ?? { ok: false, reason: 'unknown' },
      wal: { append: async () => 1 },
      extensions: [ext.extension],
    })
    tcp = createServer(broker.handle)
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    http = createHttpServer((_req, res) => res.writeHead(404).end())
    broker.attachWebSocket(http, '/mqtt')
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    urls = {
      tcp: `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
      ws: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`,
    }
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    await broker.close()
    await new Promise((r) => tcp.close(r))
    http.closeAllConnections()
    await new Promise((r) => http.close(r))
  })

  async function connect(url: string, opts: mqtt.IClientOptions = {}) {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts })
    clients.push(c)
    return c
  }
  const inbox = (c: MqttClient) => {
    const got: [string, string][] = []
    c.on('message', (t, p) => got.push([t, p.toString()]))
    return got
  }

  it('tells the extension what is subscribed and delivers its messages over TCP and WebSocket', async () => {
    const a = await connect(urls.tcp)
    const b = await connect(urls.ws)
    const gotA = inbox(a)
    const gotB = inbox(b)
    await a.subscribeAsync('v1.1/ok/1')
    await b.subscribeAsync(['v1.1/ok/1', 'v1.1/ok/2'])
    expect([...ext.channel().subscribed()].sort()).toEqual(['v1.1/ok/1', 'v1.1/ok/2'])
    ext.channel().deliver('v1.1/ok/1', '{"n":1}')
    ext.channel().deliver('v1.1/ok/2', '{"n":2}')
    await waitFor(() => (gotB.length === 2 ? true : undefined), 'two messages on the WebSocket')
    await waitFor(() => (gotA.length === 1 ? true : undefined), 'one message over TCP')
    expect(gotA).toEqual([['v1.1/ok/1', '{"n":1}']])
    await b.unsubscribeAsync('v1.1/ok/2')
    expect([...ext.channel().subscribed()]).toEqual(['v1.1/ok/1'])
    await a.endAsync()
    await b.endAsync()
    await waitFor(() => (ext.channel().subscribed().size === 0 ? true : undefined), 'no subscribers left')
  })

  it('tracks SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE of one filter in one read in that order (subscribed)', async () => {
    const socket = connectSocket((tcp.address() as AddressInfo).port)
    const parser = packetParser({ protocolVersion: 4 })
    const acks: string[] = []
    parser.on('packet', (p) => acks.push(p.cmd))
    socket.on('data', (d: Buffer) => parser.parse(d))
    socket.write(
      Buffer.concat([
        generate(connectPacket()),
        generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'v1.1/ok/3', qos: 0 }] }),
        generate({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['v1.1/ok/3'] }),
        generate({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'v1.1/ok/3', qos: 0 }] }),
      ]),
    )
    try {
      await waitFor(() => (acks.length === 4 ? true : undefined), 'CONNACK, SUBACK, UNSUBACK, SUBACK')
      expect(acks).toEqual(['connack', 'suback', 'unsuback', 'suback']) // MQTT-3.10.4-6 (aedes patched)
      expect([...ext.channel().subscribed()]).toEqual(['v1.1/ok/3'])
    } finally {
      socket.destroy()
    }
  })

  it('refuses filters the extension does not serve (SUBACK 0x80) and does not track them', async () => {
    const c = await connect(urls.tcp)
    await expect(c.subscribeAsync('v1.1/nope')).rejects.toThrow()
    expect(c.connected).toBe(true)
    expect(ext.channel().subscribed().size).toBe(0)
  })

  it('acknowledges a publish only once the extension stored it, and never passes the raw message on', async () => {
    const sub = await connect(urls.tcp)
    const got = inbox(sub)
    await sub.subscribeAsync('v1.1/ok/in')
    const open = ext.hold()
    const gw = await connect(urls.ws, { username: 'gw', password: 'gw-pw' })
    let acked = false
    const publish = gw
      .publishAsync('v1.1/ok/in', 'raw input', { qos: 1, retain: true })
      .then(() => (acked = true))
    await waitFor(() => (gw.connected ? true : undefined), 'connected')
    await new Promise((r) => setTimeout(r, 100)) // give a premature PUBACK every chance to arrive
    expect(acked).toBe(false)
    expect(ext.stored).toHaveLength(0)
    open()
    await publish
    expect(ext.stored.map((m) => [m.topic, new TextDecoder().decode(m.payload), m.clientId])).toEqual([
      ['v1.1/ok/in', 'raw input', gw.options.clientId],
    ])
    // the extension's own message is the only one subscribers get; the raw one was not retained either
    ext.channel().deliver('v1.1/ok/in', 'announced')
    await waitFor(() => (got.length ? true : undefined), 'the announcement')
    const late = await connect(urls.tcp)
    const lateGot = inbox(late)
    await late.subscribeAsync('v1.1/ok/in')
    ext.channel().deliver('v1.1/ok/in', 'second')
    await waitFor(() => (lateGot.length ? true : undefined), 'the second announcement')
    expect(got.map(([, p]) => p)).toEqual(['announced', 'second'])
    expect(lateGot.map(([, p]) => p)).toEqual(['second'])
  })

  it('disconnects a publisher the extension refuses, and one the ACL refuses', async () => {
    const gw = await connect(urls.tcp, { username: 'gw', password: 'gw-pw' })
    gw.publish('v1.1/ok/in', 'bad', { qos: 1 })
    await waitFor(() => (gw.connected ? undefined : true), 'refused publisher disconnected')
    const anonymous = await connect(urls.ws)
    anonymous.publish('v1.1/ok/in', 'good', { qos: 0 })
    await waitFor(() => (anonymous.connected ? undefined : true), 'anonymous publisher disconnected')
    const reader = await connect(urls.tcp, { username: 'apikey', password: 'key-reader' })
    reader.publish('v1.1/ok/in', 'good', { qos: 1 })
    await waitFor(() => (reader.connected ? undefined : true), 'reader key disconnected')
    expect(ext.stored).toHaveLength(0)
    const writer = await connect(urls.ws, { username: 'apikey', password: 'key-writer' })
    await writer.publishAsync('v1.1/ok/in', 'good', { qos: 1 })
    expect(ext.stored).toHaveLength(1)
  })

  it('takes API keys as logins under the username apikey, and refuses unknown ones (CONNACK 4)', async () => {
    await expect(connect(urls.tcp, { username: 'apikey', password: 'guess' })).rejects.toThrow(
      /Bad username or password/i,
    )
    const writer = await connect(urls.tcp, { username: 'apikey', password: 'key-writer' })
    writer.publish('urbantwin/v1/devices/c-1/up', '{}', { qos: 1 }) // keys do not speak for devices
    await waitFor(() => (writer.connected ? undefined : true), 'disconnected')
  })
})
