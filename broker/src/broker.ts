import type { Server as HttpServer, IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Aedes, type Client, type PublishPacket } from 'aedes'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { parseDeviceTopic, type Inbound } from '@urbantwin/model'
import { createAuthenticate, type LoginDeps } from './auth/authenticate.ts'
import { decidePublish, decideSubscribe, type AccessOptions, type Principal } from './auth/policy.ts'
import {
  AEDES_MAX_TOPIC_LEVELS,
  DEFAULT_LIMITS,
  keepaliveProblem,
  topicProblem,
  type BrokerLimits,
} from './limits/limits.ts'
import { guardPacketSize } from './limits/packet-size.ts'
import { createStats, type BrokerStats, type RefusalReason } from './stats.ts'
import type { Cluster } from './cluster/redis.ts'
import type { SessionStore } from './sessions/journal.ts'
import { SessionState, conformantQueues } from './sessions/state.ts'
import { createSubscriptionTracker, type SubscriptionTracker } from './subscriptions.ts'
import type { TopicExtension } from './topic-extension.ts'

/** A QoS 1 PUBLISH whose PUBACK waits for a promise (aedes as patched: lib/handlers/publish.js). */
type DurablePublish = PublishPacket & { durable?: Promise<unknown> }

export type BrokerDeps = LoginDeps & {
  /**
   * The write-ahead log: every accepted device uplink is appended (and fsynced) before the broker
   * acknowledges it (PUBACK for QoS 1, PUBREC for QoS 2).
   */
  wal: { append(msg: Inbound): Promise<number> }
  /** Topic families served by other services, e.g. the SensorThings MQTT extension (`v1.1/…`). */
  extensions?: readonly TopicExtension[]
  /** Whether clients without a login may subscribe to SensorThings topics (default true). */
  anonymousRead?: boolean
  /**
   * `MQTT_ALLOW_ANONYMOUS` (default false): clients without a login may also publish and subscribe outside
   * the platform's namespaces, as on a plain broker, for interoperability tests.
   */
  allowAnonymous?: boolean
  /** Bounds on what one client may ask (defaults: {@link DEFAULT_LIMITS}). */
  limits?: Partial<BrokerLimits>
  /** Sessions, retained messages and deliveries shared with other nodes through Redis ({@link redisCluster}). */
  cluster?: Cluster
  /**
   * Without a cluster: persistent sessions, retained messages and wills journalled to a file
   * ({@link openSessionStore}), so they survive a restart. Neither: in memory only. Closed with the broker.
   */
  sessions?: SessionStore
  /** Clock, for `receivedAt`. */
  now?: () => Date
}

export type Broker = {
  aedes: Aedes
  /**
   * Hands a connection to the broker: `net.createServer(broker.handle)`, `tls.createServer(opts,
   * broker.handle)`. `address` is the client's, when `stream` is not a socket that knows it.
   */
  handle: (stream: Duplex, address?: string) => void
  /**
   * Serves MQTT over WebSocket on `path` of an HTTP (or HTTPS) server (subprotocol `mqtt`). With
   * `forwarded`, the client's address is the last of `X-Forwarded-For` (the server is only reached
   * through a proxy of ours that appends it).
   */
  attachWebSocket: (server: HttpServer, path: string, opts?: { forwarded?: boolean }) => void
  /** Counters since start: connections, refusals by reason, messages in and out. */
  stats: () => BrokerStats
  /** Closes every connection logged in as `username` (after its login was revoked or rotated). */
  disconnect: (username: string) => number
  close: () => Promise<void>
}

/** Tells every node of a cluster to close a login's connections (admins may watch it under `$SYS`). */
const DISCONNECT_TOPIC = '$SYS/urbantwin/disconnect'

/** The filters a client holds (aedes keeps them on the client, untyped). */
const subscriptionsOf = (client: Client) =>
  (client as Client & { subscriptions: Record<string, unknown> }).subscriptions

const bytesOf = (payload: PublishPacket['payload']): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { log } = deps
  const now = deps.now ?? (() => new Date())
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...deps.limits }
  if (limits.maxTopicLevels > AEDES_MAX_TOPIC_LEVELS)
    throw new Error(`maxTopicLevels: at most ${AEDES_MAX_TOPIC_LEVELS} (aedes' own ceiling)`)
  const access: AccessOptions = {
    anonymousRead: deps.anonymousRead ?? true,
    allowAnonymous: deps.allowAnonymous ?? false,
  }
  const stats = createStats()
  const principals = new WeakMap<Client, Principal>()
  /** Connected clients by the username they logged in with, to disconnect them when it is revoked. */
  const byLogin = new Map<string, Set<Client>>()
  const addresses = new WeakMap<Client, string>()
  /** What the CONNECT asked, checked with the login (see `authenticate`): keepalive, and an empty id. */
  const connects = new WeakMap<Client, { keepalive: number; emptyPersistentId: boolean }>()
  /** Filters granted in a SUBSCRIBE that aedes may not have added yet (it runs them in parallel). */
  const granting = new WeakMap<Client, Set<string>>()
  const connectRate =
    limits.connectsPerIpPerMinute > 0
      ? new RateLimiterMemory({ points: limits.connectsPerIpPerMinute, duration: 60 })
      : null
  const who = (client: Client | null): Principal =>
    (client && principals.get(client)) || { role: 'anonymous' }
  const extensions = (deps.extensions ?? []).map((extension) => ({
    extension,
    subscriptions: createSubscriptionTracker(),
  }))
  const extensionOf = (topic: string) => extensions.find((e) => topic.startsWith(e.extension.prefix))
  /** Payloads the broker sends for extensions: the only messages forwarded on their topics. */
  const outgoing = new WeakSet<object>()

  /** Counts a refusal and logs it with its reason. */
  const refused = (why: RefusalReason, fields: Record<string, unknown>, what: string) => {
    stats.refused[why]++
    log.warn({ ...fields, refusal: why }, what)
  }
  const refuse = (
    client: Client | null,
    packet: PublishPacket,
    why: RefusalReason,
    reason: string,
  ): Error => {
    refused(
      why,
      { clientId: client?.id, topic: packet.topic, qos: packet.qos, reason },
      'mqtt publish refused',
    )
    return new Error(reason)
  }
  const authenticate = createAuthenticate(deps, principals)

  const aedes = await Aedes.createBroker({
    persistence: conformantQueues(
      deps.cluster?.persistence ?? deps.sessions?.persistence ?? new SessionState(), // the last in memory only
    ),
    ...(deps.cluster ? { mq: deps.cluster.mq } : {}),
    maxTopicLevels: limits.maxTopicLevels,
    drainTimeout: limits.drainTimeoutMs,
    preConnect: (client, packet, done) => {
      connects.set(client, {
        keepalive: packet.keepalive ?? 0,
        emptyPersistentId: !packet.clientId && packet.clean === false,
      })
      const address = addresses.get(client)
      if (!connectRate || !address || limits.rateExempt(address)) return done(null, true)
      connectRate.consume(address).then(
        () => done(null, true),
        () => {
          refused('connect-rate', { address, clientId: packet.clientId }, 'mqtt connect refused')
          done(null, false) // closes the connection without a CONNACK, as for a full server
        },
      )
    },
    authenticate: (client, username, password, done) => {
      const asked = connects.get(client)
      if (asked?.emptyPersistentId) {
        // MQTT-3.1.3-8: a zero-length ClientId needs CleanSession=1 (aedes would make up an id and accept)
        log.debug({}, 'mqtt connect refused: a zero-length client id with a persistent session')
        return done(
          Object.assign(new Error('a zero-length client id needs a clean session'), { returnCode: 2 }),
          false,
        )
      }
      const problem = keepaliveProblem(asked?.keepalive ?? 0, limits)
      if (problem) {
        refused('keepalive', { clientId: client.id, reason: problem }, 'mqtt connect refused')
        // MQTT 3.1.1 cannot tell a client which keepalive to use: mosquitto answers "identifier rejected"
        return done(Object.assign(new Error(problem), { returnCode: 2 }), false)
      }
      authenticate(client, username, password, (err, ok) => {
        if (err || !ok) stats.refused.login++
        // a connection that closed while its login was looked up is gone: keeping it would leak it
        else if (username && !client.conn.destroyed) {
          const clients = byLogin.get(username) ?? new Set()
          byLogin.set(username, clients.add(client))
          client.conn.once('close', () => {
            clients.delete(client)
            if (clients.size === 0 && byLogin.get(username) === clients) byLogin.delete(username)
          })
        }
        done(err, ok)
      })
    },
    authorizePublish: (client, packet, done) => {
      const tooLong = topicProblem(packet.topic, limits)
      if (tooLong) return done(refuse(client, packet, 'topic-too-long', tooLong))
      const decision = decidePublish(who(client), packet.topic, access)
      if (!decision.ok) return done(refuse(client, packet, 'acl-publish', decision.reason))
      if (!client) return done(null)
      stats.received[packet.qos]++
      const ext = extensionOf(packet.topic)
      if (ext) {
        // input to the extension (e.g. an Observation to create), stored before the PUBACK; never retained
        packet.retain = false
        ext.extension
          .publish({ topic: packet.topic, payload: bytesOf(packet.payload), clientId: client.id })
          .then(
            (d) => done(d.ok ? null : refuse(client, packet, 'invalid-message', d.reason)),
            (err: unknown) => {
              log.error({ err, clientId: client.id, topic: packet.topic }, 'topic extension failed')
              done(refuse(client, packet, 'store-unavailable', 'the message could not be stored'))
            },
          )
        return
      }
      if (!parseDeviceTopic(packet.topic)) return done(null)
      // aedes calls this before it sends PUBACK/PUBREC (lib/handlers/publish.js): durable before the ack
      const appended = deps.wal.append({
        topic: packet.topic,
        payload: bytesOf(packet.payload), // a Buffer is a Uint8Array: no copy (the WAL encodes it before the ack)
        receivedAt: now().toISOString(),
        clientId: client.id,
      })
      if (packet.qos === 0) {
        // QoS 0 promises nothing to the device: do not hold it up for the fsync
        appended.catch((err: Error) => refuse(client, packet, 'store-unavailable', err.message))
        return done(null)
      }
      if (packet.qos === 1) {
        // routed at once and the client's next packets handled; only the PUBACK waits for the fsync
        // (patches/aedes+1.2.0.patch, lib/handlers/publish.js). Not QoS 2: aedes spots a retransmitted QoS 2
        // PUBLISH only after authorizePublish, and it must not be routed before it is stored.
        ;(packet as DurablePublish).durable = appended.catch((err: Error) => {
          throw refuse(client, packet, 'store-unavailable', err.message)
        })
        return done(null)
      }
      appended.then(
        () => done(null),
        (err: Error) => done(refuse(client, packet, 'store-unavailable', err.message)),
      )
    },
    authorizeSubscribe: (client, sub, done) => {
      const deny = (why: RefusalReason, reason: string) => {
        refused(why, { clientId: client.id, topic: sub.topic, reason }, 'mqtt subscribe refused')
        done(null, null) // SUBACK 0x80 for this filter (MQTT-3.9.3)
      }
      const tooLong = topicProblem(sub.topic, limits)
      if (tooLong) return deny('topic-too-long', tooLong)
      let decision = decideSubscribe(who(client), sub.topic, access)
      const ext = extensionOf(sub.topic)
      if (decision.ok && ext) decision = ext.extension.subscribable(sub.topic)
      if (!decision.ok) return deny('acl-subscribe', decision.reason)
      const held = subscriptionsOf(client)
      const pending = granting.get(client) ?? new Set<string>()
      if (!(sub.topic in held) && !pending.has(sub.topic)) {
        let count = Object.keys(held).length
        for (const t of pending) if (!(t in held)) count++
        if (count >= limits.maxSubscriptionsPerClient)
          return deny(
            'max-subscriptions',
            `a client may hold ${limits.maxSubscriptionsPerClient} subscriptions`,
          )
        granting.set(client, pending.add(sub.topic))
      }
      done(null, sub)
    },
    // a client's PUBLISH on an extension topic was input (see authorizePublish), not a message to pass on
    authorizeForward: (_client, packet) => {
      if (extensionOf(packet.topic) && !(typeof packet.payload === 'object' && outgoing.has(packet.payload)))
        return null
      stats.forwarded[packet.qos]++
      return packet
    },
  })

  const trackerOf = (topic: string): SubscriptionTracker | undefined => extensionOf(topic)?.subscriptions
  aedes.on('client', () => stats.connects++)
  aedes.on('subscribe', (subs, client) => {
    granting.delete(client)
    // aedes reports a refused filter with its SUBACK code 0x80 as the qos (lib/handlers/subscribe.js)
    for (const s of subs) if ((s.qos as number) !== 0x80) trackerOf(s.topic)?.add(client, s.topic)
  })
  aedes.on('unsubscribe', (topics, client) => {
    for (const t of topics) trackerOf(t)?.remove(client, t)
  })
  aedes.on('clientDisconnect', (client) => {
    for (const e of extensions) e.subscriptions.drop(client)
  })
  for (const { extension, subscriptions } of extensions)
    extension.attach({
      deliver: (topic, payload) => {
        const bytes = Buffer.from(payload, 'utf8')
        outgoing.add(bytes)
        aedes.publish({ cmd: 'publish', topic, payload: bytes, qos: 0, retain: false, dup: false }, (err) => {
          if (err) log.warn({ topic, err: err.message }, 'mqtt delivery failed')
        })
      },
      subscribed: () => subscriptions.topics(),
    })

  const disconnectHere = (username: string) => {
    const clients = [...(byLogin.get(username) ?? [])]
    for (const c of clients) c.close()
    if (clients.length > 0) log.info({ username, connections: clients.length }, 'mqtt login disconnected')
    return clients.length
  }
  if (deps.cluster)
    deps.cluster.mq.on(DISCONNECT_TOPIC, (packet: { payload: Buffer | string }, cb: () => void) => {
      disconnectHere(String(packet.payload))
      cb()
    })

  const slow = new WeakSet<Client>()
  aedes.on('clientError', (client, err) => {
    if (err.message === 'drain timeout') {
      // aedes reports it once for each write that was waiting: count the client once
      if (slow.has(client)) return
      slow.add(client)
      refused(
        'slow-subscriber',
        { clientId: client.id, ms: limits.drainTimeoutMs },
        'mqtt client disconnected',
      )
    } else log.debug({ clientId: client.id, err: err.message }, 'mqtt client error')
  })

  const handle = (
    stream: Duplex,
    address = (stream as Partial<Socket>).remoteAddress,
    req?: IncomingMessage,
  ) => {
    if (stats.connections >= limits.maxConnections) {
      refused('max-connections', { address, max: limits.maxConnections }, 'mqtt connection refused')
      stream.destroy()
      return
    }
    stats.connections++
    stream.once('close', () => stats.connections--)
    guardPacketSize(stream, limits.maxPacketBytes, (reason) =>
      refused('packet-too-large', { address, reason }, 'mqtt connection closed'),
    )
    const client = aedes.handle(stream, req)
    if (address) addresses.set(client, address)
  }
  const wsServers: WebSocketServer[] = []

  return {
    aedes,
    handle: (stream, address) => handle(stream, address),
    attachWebSocket(server, path, opts = {}) {
      const wss = new WebSocketServer({ noServer: true })
      wsServers.push(wss)
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return
        const forwardedFor = opts.forwarded ? String(req.headers['x-forwarded-for'] ?? '') : ''
        const address = forwardedFor.split(',').pop()?.trim() || req.socket.remoteAddress
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws)
          stream.on('error', () => stream.destroy())
          handle(stream, address, req)
        })
      })
    },
    stats: () => stats,
    disconnect: (username) => {
      // the other nodes of a cluster close theirs when the notice reaches them
      if (deps.cluster)
        aedes.publish(
          {
            cmd: 'publish',
            topic: DISCONNECT_TOPIC,
            payload: Buffer.from(username),
            qos: 0,
            retain: false,
            dup: false,
          },
          () => {},
        )
      return disconnectHere(username)
    },
    close: async () => {
      for (const wss of wsServers) {
        for (const c of wss.clients) c.terminate()
        wss.close()
      }
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await deps.cluster?.close()
      await deps.sessions?.close()
    },
  }
}
