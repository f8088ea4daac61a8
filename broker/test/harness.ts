import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt'
import { silentLogger, type Inbound } from '@urbantwin/model'
import { openWal, type MqttAccount, type Wal } from '@urbantwin/store'
import { createBroker, generateSecret, hashToken, openSessionStore, type Broker } from '../src/index.ts'
import { RawClient } from './raw-client.ts'
import { waitFor } from './wait-for.ts'

export type Login = { username: string; password: string }

/** An mqtt.js client (MQTT 3.1.1) with every PUBLISH it received, recorded from before its CONNACK. */
export type Peer = {
  client: MqttClient
  connack: IConnackPacket
  messages: IPublishPacket[]
  /** The first message on `topic` (waits for it). */
  received: (topic: string) => Promise<IPublishPacket>
  /** Every message on `topic` so far. */
  on: (topic: string) => IPublishPacket[]
}

export type TestBroker = {
  broker: Broker
  port: number
  wal: Wal
  /** Uplinks in the order the WAL made them durable. */
  uplinks: Inbound[]
  /** Role `admin` (any non-`$` topic) and role `device` for device `c-1`. */
  admin: Login
  device: Login
  /** A connected mqtt.js client; defaults to the admin login, a random client id and a clean session. */
  connect: (opts?: IClientOptions) => Promise<Peer>
  /** A bare socket client that has sent CONNECT (admin login unless `connect` says otherwise). */
  raw: (connect?: Parameters<typeof RawClient.connect>[1]) => ReturnType<typeof RawClient.connect>
  /** A bare socket that has sent nothing yet. */
  socket: () => Promise<RawClient>
  /** Whether a client with this id has a live session on the broker (after CONNACK, before its close). */
  online: (clientId: string) => boolean
  /** Ids of clients the broker accepted, in order (ids it assigned included). */
  accepted: string[]
  /** TCP connections the server holds open right now. */
  openConnections: () => Promise<number>
  close: () => Promise<void>
}

export type HarnessOptions = {
  /** Sees each accepted socket after the broker took it. */
  onConnection?: (socket: Socket) => void
  /** Awaited by every account lookup: holds logins back, as a slow account store would. */
  beforeLogin?: () => Promise<void>
  /** The session journal (default: a new one beside the WAL); a second broker on the same file resumes its sessions. */
  sessionsPath?: string
}

/** Starts the broker on 127.0.0.1, port 0, with a temporary WAL and two in-memory accounts. */
export async function startBroker(opts: HarnessOptions = {}): Promise<TestBroker> {
  const walDir = mkdtempSync(join(tmpdir(), 'ut-broker-conf-'))
  const wal = await openWal({ dir: walDir })
  const uplinks: Inbound[] = []
  const admin = { username: 'ops', password: generateSecret() }
  const device = { username: 'c-1', password: generateSecret() }
  const accounts = new Map<string, MqttAccount>([
    ['ops', { username: 'ops', passwordHash: hashToken(admin.password), role: 'admin', deviceId: null }],
    ['c-1', { username: 'c-1', passwordHash: hashToken(device.password), role: 'device', deviceId: 'c-1' }],
  ])
  const broker = await createBroker({
    log: silentLogger,
    sessions: await openSessionStore({
      path: opts.sessionsPath ?? join(walDir, 'sessions.journal'),
      log: silentLogger,
    }),
    account: async (u) => {
      await opts.beforeLogin?.()
      return accounts.get(u) ?? null
    },
    wal: {
      append: async (m) => {
        const seq = await wal.append(m)
        uplinks.push(m)
        return seq
      },
    },
  })
  const accepted: string[] = []
  const live = new Map<string, number>()
  broker.aedes.on('clientReady', (c) => {
    accepted.push(c.id)
    live.set(c.id, (live.get(c.id) ?? 0) + 1)
  })
  broker.aedes.on('clientDisconnect', (c) => live.set(c.id, (live.get(c.id) ?? 0) - 1))
  const sockets = new Set<Socket>()
  const tcp: Server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    broker.handle(s)
    opts.onConnection?.(s)
  })
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
  const port = (tcp.address() as AddressInfo).port
  const clients: MqttClient[] = []
  const raws: RawClient[] = []

  async function connect(opts: IClientOptions = {}): Promise<Peer> {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...admin,
      ...opts,
    })
    clients.push(client)
    const messages: IPublishPacket[] = []
    client.on('message', (_topic, _payload, packet) => messages.push(packet))
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve)
      client.once('error', reject)
      client.once('close', () => reject(new Error('connection closed before CONNACK')))
    })
    const on = (topic: string) => messages.filter((m) => m.topic === topic)
    const received = (topic: string) => waitFor(() => on(topic)[0], `a message on ${topic}`)
    return { client, connack, messages, on, received }
  }

  return {
    broker,
    port,
    wal,
    uplinks,
    admin,
    device,
    connect,
    online: (id) => (live.get(id) ?? 0) > 0,
    accepted,
    raw: async (c = {}) => {
      const r = await RawClient.connect(port, {
        username: admin.username,
        password: Buffer.from(admin.password),
        ...c,
      })
      raws.push(r.raw)
      return r
    },
    socket: async () => {
      const r = await RawClient.open(port)
      raws.push(r)
      return r
    },
    openConnections: () =>
      new Promise((resolve, reject) => tcp.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
      for (const r of raws.splice(0)) r.destroy()
      for (const s of sockets) s.destroy()
      await broker.close()
      await new Promise((r) => tcp.close(r))
      await wal.close()
      rmSync(walDir, { recursive: true, force: true })
    },
  }
}
