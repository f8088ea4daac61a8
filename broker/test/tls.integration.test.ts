import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { openWal, type Wal } from '@urbantwin/store'
import { makeTestCertificates, type TestCertificates } from '../testing/tls-certs.ts'
import { createBroker, hashSecret, type Broker } from '../src/index.ts'

/** MQTT over TLS and over secure WebSocket, as the platform serves them (Node's tls/https + broker.handle). */
describe('broker over TLS (mqtts://) and secure WebSocket (wss://), TLS 1.2 or newer', () => {
  let certs: TestCertificates
  let broker: Broker
  let wal: Wal
  let walDir: string
  let tls: TlsServer
  let https: HttpsServer
  const clients: MqttClient[] = []
  const port = (s: TlsServer | HttpsServer) => (s.address() as AddressInfo).port

  beforeAll(async () => {
    certs = makeTestCertificates()
    walDir = mkdtempSync(join(tmpdir(), 'ut-broker-tls-'))
    wal = await openWal({ dir: walDir })
    const hash = await hashSecret('ops-pw')
    broker = await createBroker({
      log: silentLogger,
      account: async (u) =>
        u === 'ops' ? { username: u, passwordHash: hash, role: 'admin', deviceId: null } : null,
      wal,
      limits: { maxConnections: 2 },
    })
    const opts = { cert: certs.cert, key: certs.key, minVersion: 'TLSv1.2' as const }
    tls = createTlsServer(opts, broker.handle)
    https = createHttpsServer(opts, (_req, res) => res.writeHead(404).end())
    broker.attachWebSocket(https, '/mqtt')
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r))
  })

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    await broker.close()
    await new Promise((r) => tls.close(r))
    https.closeAllConnections()
    await new Promise((r) => https.close(r))
    await wal.close()
    rmSync(walDir, { recursive: true, force: true })
    certs.remove()
  })

  const connect = async (url: string, extra: mqtt.IClientOptions = {}) => {
    const c = await mqtt.connectAsync(url, {
      ca: certs.ca,
      username: 'ops',
      password: 'ops-pw',
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...extra,
    })
    clients.push(c)
    return c
  }

  it('carries a message from a mqtts:// publisher to a wss:// subscriber', async () => {
    const sub = await connect(`wss://localhost:${port(https)}/mqtt`)
    await sub.subscribeAsync('lab/tls')
    const got = new Promise<string>((r) => sub.once('message', (_t, payload) => r(payload.toString())))
    const pub = await connect(`mqtts://localhost:${port(tls)}`)
    await pub.publishAsync('lab/tls', 'sealed', { qos: 1 })
    expect(await got).toBe('sealed')
  })

  /** A bare TLS connection to the mqtts:// listener: how it ended. */
  const handshake = (opts: { maxVersion?: 'TLSv1.1' }) =>
    new Promise<string>((resolve) => {
      const s = tlsConnect({
        port: port(tls),
        host: '127.0.0.1',
        servername: 'localhost',
        ca: certs.ca,
        ...opts,
      })
      s.once('secureConnect', () => {
        const protocol = s.getProtocol()
        s.once('close', () => resolve(`closed after ${protocol}`))
      })
      s.once('error', (err) => resolve(`error: ${err.message}`))
    })

  it('refuses TLS 1.1, and counts its connection limit over all listeners', async () => {
    expect(await handshake({ maxVersion: 'TLSv1.1' })).toMatch(/^error: .*(version|protocol)/i)
    // two connections are open (wss and mqtts above): a third on either listener is closed at once
    expect(await handshake({})).toMatch(/^closed after TLSv1\.[23]$/)
    expect(broker.stats().refused['max-connections']).toBe(1)
  })
})
