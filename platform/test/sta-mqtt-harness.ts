import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { createApp, createStaMqtt, type StaMqtt } from '@urbantwin/api'
import { createBroker, generateSecret, hashToken, type Broker } from '@urbantwin/broker'
import { deviceKind } from '@urbantwin/devices'
import { createIngest } from '@urbantwin/ingest'
import { silentLogger, type Id, type Logger } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { openApiKeyStore } from '../src/api-keys.ts'
import { provisionDevice } from '../src/provisioning.ts'
import { mqttApiKeyLogin } from '../src/sta-mqtt.ts'

export type Received = { topic: string; json: Record<string, unknown> }

/**
 * The platform's MQTT side as platform.ts wires it, on a real DuckDB store (in memory), a real aedes
 * broker on 127.0.0.1 (TCP and WebSocket at /mqtt on the API's HTTP server, both on port 0), real
 * ingest and the real API-key file. Device uplinks go from the broker straight into ingest.
 */
export async function startStaMqtt(opts: { anonymousRead?: boolean; log?: Logger } = {}) {
  const log = opts.log ?? silentLogger
  const dir = mkdtempSync(join(tmpdir(), 'ut-sta-mqtt-'))
  const store: Store = await openDuckDbStore({ path: ':memory:' })
  const container = deviceKind('clothing-container')!
  const devices = {
    c1: await provisionDevice(store, container, {
      deviceId: 'c-1',
      name: 'Container 1',
      lon: 11.57,
      lat: 48.14,
    }),
    c2: await provisionDevice(store, container, {
      deviceId: 'c-2',
      name: 'Container 2',
      lon: 11.58,
      lat: 48.15,
    }),
  }
  const secrets = { device: generateSecret(), gateway: generateSecret() }
  await store.putMqttAccount({
    username: 'c-1',
    passwordHash: hashToken(secrets.device),
    role: 'device',
    deviceId: 'c-1',
  })
  await store.putMqttAccount({
    username: 'gw',
    passwordHash: hashToken(secrets.gateway),
    role: 'gateway',
    deviceId: null,
  })
  const keyStore = openApiKeyStore(join(dir, 'api-keys.json'))
  const now = new Date()
  const keys = {
    operator: keyStore.create({ name: 'operator', role: 'operator' }, now).token,
    device: keyStore.create({ name: 'device', role: 'device' }, now).token,
    reader: keyStore.create({ name: 'reader', role: 'reader' }, now).token,
  }

  let httpBase = ''
  const sta: StaMqtt = createStaMqtt({ store, base: () => `${httpBase}/v1.1`, log })
  const stopWatching = store.watchRegistry(sta.entities)
  const ingest = createIngest({
    store,
    kindOf: deviceKind,
    log,
    onStored: (events) => sta.observations(events),
  })
  let seq = 0
  let ingesting = Promise.resolve()
  const broker: Broker = await createBroker({
    log,
    account: (u) => store.mqttAccount(u),
    wal: {
      append: async (m) => {
        const record = { ...m, seq: ++seq }
        ingesting = ingesting.then(() => ingest.handle([record]))
        return record.seq
      },
    },
    extensions: [sta],
    anonymousRead: opts.anonymousRead ?? true,
    apiKey: mqttApiKeyLogin(keyStore),
  })
  const tcp: Server = createServer(broker.handle)
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
  const app = createApp({
    store,
    log,
    auth: keyStore,
    devices: { register: async () => null },
    onObservationsCreated: sta.created,
  })
  const http: HttpServer = createHttpServer(app)
  broker.attachWebSocket(http, '/mqtt')
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const httpPort = (http.address() as AddressInfo).port
  httpBase = `http://127.0.0.1:${httpPort}`
  const urls = {
    tcp: `mqtt://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    ws: `ws://127.0.0.1:${httpPort}/mqtt`,
  }

  const clients: MqttClient[] = []
  const received = new Map<MqttClient, Received[]>()
  /** A connected mqtt.js client that records what it receives. */
  const connect = async (transport: 'tcp' | 'ws', login: mqtt.IClientOptions = {}) => {
    const c = await mqtt.connectAsync(urls[transport], { reconnectPeriod: 0, connectTimeout: 5000, ...login })
    clients.push(c)
    const mine: Received[] = []
    received.set(c, mine)
    c.on('message', (topic, payload) =>
      mine.push({ topic, json: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }),
    )
    return c
  }
  const messagesOf = (c: MqttClient) => received.get(c) ?? []

  const count = async (datastreamId: Id) =>
    (await store.observations(datastreamId, { top: 0, skip: 0, count: true })).count
  const getJson = async (path: string) => {
    const res = await fetch(httpBase + path)
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as Record<string, unknown>
  }

  return {
    store,
    sta,
    broker,
    devices,
    secrets,
    keys,
    urls,
    httpBase,
    connect,
    messagesOf,
    count,
    getJson,
    /** Until the device uplinks handed to ingest are stored and announced. */
    settled: async () => {
      await ingesting
      await sta.idle()
    },
    close: async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
      await broker.close()
      await new Promise((r) => tcp.close(r))
      http.closeAllConnections()
      await new Promise((r) => http.close(r))
      await ingesting.catch(() => undefined)
      stopWatching()
      await sta.idle()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type StaMqttHarness = Awaited<ReturnType<typeof startStaMqtt>>

/** Polls `probe` until it returns a value (no fixed sleeps). */
export async function waitFor<T>(probe: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A QoS 1 publish, and whether the broker acknowledged it or dropped the connection (a refusal). */
export function publishOutcome(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    const closed = () => resolve('closed')
    c.once('close', closed)
    c.publish(topic, payload, { qos: 1 }, (err) => {
      c.off('close', closed)
      resolve(err ? 'closed' : 'acked')
    })
  })
}
