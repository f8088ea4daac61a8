import type { Server as HttpServer, IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Aedes, type Client, type PublishPacket } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { parseDeviceTopic, type Inbound } from '@urbantwin/model'
import { createAuthenticate, type LoginDeps } from './auth/authenticate.ts'
import { decidePublish, decideSubscribe, type Principal } from './auth/policy.ts'
import { createSubscriptionTracker, type SubscriptionTracker } from './subscriptions.ts'
import type { TopicExtension } from './topic-extension.ts'

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
  /** Clock, for `receivedAt`. */
  now?: () => Date
}

export type Broker = {
  aedes: Aedes
  /** Hands a TCP connection to the broker (use as `net.createServer(broker.handle)`). */
  handle: (stream: Duplex) => void
  /** Serves MQTT over WebSocket on `path` of an HTTP server (subprotocol `mqtt`). */
  attachWebSocket: (server: HttpServer, path: string) => void
  close: () => Promise<void>
}

const bytesOf = (payload: PublishPacket['payload']): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { log } = deps
  const now = deps.now ?? (() => new Date())
  const access = { anonymousRead: deps.anonymousRead ?? true }
  const principals = new WeakMap<Client, Principal>()
  const who = (client: Client | null): Principal =>
    (client && principals.get(client)) || { role: 'anonymous' }
  const extensions = (deps.extensions ?? []).map((extension) => ({
    extension,
    subscriptions: createSubscriptionTracker(),
  }))
  const extensionOf = (topic: string) => extensions.find((e) => topic.startsWith(e.extension.prefix))
  /** Payloads the broker sends for extensions: the only messages forwarded on their topics. */
  const outgoing = new WeakSet<object>()

  const refuse = (client: Client | null, packet: PublishPacket, reason: string): Error => {
    log.warn({ clientId: client?.id, topic: packet.topic, qos: packet.qos, reason }, 'mqtt publish refused')
    return new Error(reason)
  }

  const aedes = await Aedes.createBroker({
    authenticate: createAuthenticate(deps, principals),
    authorizePublish: (client, packet, done) => {
      const decision = decidePublish(who(client), packet.topic)
      if (!decision.ok) return done(refuse(client, packet, decision.reason))
      if (!client) return done(null)
      const ext = extensionOf(packet.topic)
      if (ext) {
        // input to the extension (e.g. an Observation to create), stored before the PUBACK; never retained
        packet.retain = false
        ext.extension
          .publish({ topic: packet.topic, payload: bytesOf(packet.payload), clientId: client.id })
          .then(
            (d) => done(d.ok ? null : refuse(client, packet, d.reason)),
            (err: unknown) => {
              log.error({ err, clientId: client.id, topic: packet.topic }, 'topic extension failed')
              done(refuse(client, packet, 'the message could not be stored'))
            },
          )
        return
      }
      if (!parseDeviceTopic(packet.topic)) return done(null)
      // aedes calls this before it sends PUBACK/PUBREC (lib/handlers/publish.js): durable before the ack
      const appended = deps.wal.append({
        topic: packet.topic,
        payload: new Uint8Array(bytesOf(packet.payload)),
        receivedAt: now().toISOString(),
        clientId: client.id,
      })
      if (packet.qos === 0) {
        // QoS 0 promises nothing to the device: do not hold it up for the fsync
        appended.catch((err: Error) => refuse(client, packet, err.message))
        return done(null)
      }
      appended.then(
        () => done(null),
        (err: Error) => done(refuse(client, packet, err.message)),
      )
    },
    authorizeSubscribe: (client, sub, done) => {
      let decision = decideSubscribe(who(client), sub.topic, access)
      const ext = extensionOf(sub.topic)
      if (decision.ok && ext) decision = ext.extension.subscribable(sub.topic)
      if (!decision.ok) {
        log.warn({ clientId: client.id, topic: sub.topic, reason: decision.reason }, 'mqtt subscribe refused')
        return done(null, null) // SUBACK 0x80 for this filter (MQTT-3.9.3)
      }
      done(null, sub)
    },
    // a client's PUBLISH on an extension topic was input (see authorizePublish), not a message to pass on
    authorizeForward: (_client, packet) =>
      extensionOf(packet.topic) && !(typeof packet.payload === 'object' && outgoing.has(packet.payload))
        ? null
        : packet,
  })

  const trackerOf = (topic: string): SubscriptionTracker | undefined => extensionOf(topic)?.subscriptions
  aedes.on('subscribe', (subs, client) => {
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

  aedes.on('clientError', (client, err) =>
    log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'),
  )

  const wsServers: WebSocketServer[] = []

  return {
    aedes,
    handle: (stream) => {
      aedes.handle(stream)
    },
    attachWebSocket(server, path) {
      const wss = new WebSocketServer({ noServer: true })
      wsServers.push(wss)
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws)
          stream.on('error', () => stream.destroy())
          aedes.handle(stream, req)
        })
      })
    },
    close: async () => {
      for (const wss of wsServers) {
        for (const c of wss.clients) c.terminate()
        wss.close()
      }
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
    },
  }
}
