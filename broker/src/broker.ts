import type { Server as HttpServer, IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Aedes, type Client } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { parseDeviceTopic, type Inbound, type Logger } from '@urbantwin/model'
import type { MqttAccount } from '@urbantwin/store'
import { verifySecret } from './auth/credentials.ts'
import { decidePublish, decideSubscribe, type Principal } from './auth/policy.ts'

export type BrokerDeps = {
  log: Logger
  /** Looks up an MQTT login; only its hash is stored. */
  account: (username: string) => Promise<MqttAccount | null>
  /**
   * The write-ahead log: every accepted device uplink is appended (and fsynced) before the broker
   * acknowledges it (PUBACK for QoS 1, PUBREC for QoS 2).
   */
  wal: { append(msg: Inbound): Promise<number> }
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

// MQTT 3.1.1 CONNACK return codes (MQTT-3.2.2.3)
const BAD_USERNAME_OR_PASSWORD = 4

function authError(message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode: BAD_USERNAME_OR_PASSWORD })
}

function principalOf(a: MqttAccount): Principal {
  if (a.role === 'device' && a.deviceId) return { role: 'device', deviceId: a.deviceId }
  if (a.role === 'admin') return { role: 'admin', username: a.username }
  return { role: 'gateway', username: a.username }
}

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { log } = deps
  const now = deps.now ?? (() => new Date())
  const principals = new WeakMap<Client, Principal>()
  const who = (client: Client | null): Principal =>
    (client && principals.get(client)) || { role: 'anonymous' }

  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (username === undefined || username === '') {
        principals.set(client, { role: 'anonymous' })
        return done(null, true)
      }
      const secret = password?.toString('utf8') ?? ''
      deps
        .account(username)
        .then(async (account) => {
          if (!account || !(await verifySecret(secret, account.passwordHash))) {
            log.warn({ clientId: client.id, username }, 'mqtt login refused')
            return done(authError('bad username or password'), false)
          }
          principals.set(client, principalOf(account))
          done(null, true)
        })
        .catch((err: unknown) => {
          log.error({ err, clientId: client.id }, 'mqtt login lookup failed')
          done(authError('login temporarily unavailable'), false)
        })
    },
    authorizePublish: (client, packet, done) => {
      const decision = decidePublish(who(client), packet.topic)
      if (!decision.ok) {
        log.warn(
          { clientId: client?.id, topic: packet.topic, reason: decision.reason },
          'mqtt publish refused',
        )
        return done(new Error(decision.reason))
      }
      if (!client || !parseDeviceTopic(packet.topic)) return done(null)
      // aedes calls this before it sends PUBACK/PUBREC (lib/handlers/publish.js): durable before the ack
      const appended = deps.wal.append({
        topic: packet.topic,
        payload: new Uint8Array(packet.payload as Buffer),
        receivedAt: now().toISOString(),
        clientId: client.id,
      })
      const refuse = (err: Error) => {
        log.warn(
          { clientId: client.id, topic: packet.topic, qos: packet.qos, reason: err.message },
          'mqtt publish refused',
        )
        return err
      }
      if (packet.qos === 0) {
        // QoS 0 promises nothing to the device: do not hold it up for the fsync
        appended.catch(refuse)
        return done(null)
      }
      appended.then(
        () => done(null),
        (err: Error) => done(refuse(err)),
      )
    },
    authorizeSubscribe: (client, sub, done) => {
      const decision = decideSubscribe(who(client), sub.topic)
      if (!decision.ok) {
        log.warn({ clientId: client.id, topic: sub.topic, reason: decision.reason }, 'mqtt subscribe refused')
        return done(null, null) // SUBACK 0x80 for this filter (MQTT-3.9.3)
      }
      done(null, sub)
    },
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
