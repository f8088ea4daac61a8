import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestCertificates, type TestCertificates } from '@urbantwin/broker/testing'
import {
  NO_SIMULATION,
  registerContainer,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

const run = promisify(execFile)
const CLI = fileURLToPath(import.meta.resolve('@urbantwin/platform/cli'))
const TSX = import.meta.resolve('tsx')

/**
 * An operator secures the broker of `npm start`: TLS 1.2+ on its own port, device logins created,
 * rotated and revoked through the API and the CLI (connections closed at once), a LoRaWAN bridge kept
 * to its network server's topics, and every refusal counted by reason in /metrics.
 */
describe('the broker of npm start: TLS, logins managed by operators, refusals in /metrics', () => {
  let certs: TestCertificates
  let data: ReturnType<typeof tempDataDir>
  let p: PlatformProcess
  let admin: Record<string, string>
  const clients: MqttClient[] = []

  beforeAll(async () => {
    certs = makeTestCertificates()
    data = tempDataDir()
    p = await startPlatformProcess({
      dataDir: data.dir,
      env: {
        ...NO_SIMULATION,
        MQTT_TLS_PORT: '0',
        MQTT_TLS_CERT: certs.files.cert,
        MQTT_TLS_KEY: certs.files.key,
      },
    })
    admin = { authorization: `Bearer ${secretsOf(p).apiAdminKey}`, 'content-type': 'application/json' }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    await p?.stop()
    data?.remove()
    certs?.remove()
  })

  const tls = (opts: IClientOptions = {}) =>
    mqtt.connectAsync(`mqtts://127.0.0.1:${p.mqttTlsPort}`, {
      ca: certs.ca,
      servername: 'localhost',
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    })
  async function connect(opts: IClientOptions) {
    const c = await tls(opts)
    clients.push(c)
    return c
  }
  const closed = (c: MqttClient) =>
    new Promise<void>((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()))
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${p.base}${path}`, {
      method,
      headers: admin,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', TSX, CLI, 'mqtt-account', ...args], {
      env: { ...process.env, URBANTWIN_URL: p.base, URBANTWIN_API_KEY: secretsOf(p).apiAdminKey },
    })

  it('serves MQTT over TLS 1.2+ with the configured certificate, and refuses older TLS', async () => {
    expect(p.mqttTlsPort).toBeGreaterThan(0)
    const device = await registerContainer(p, 'tls-1')
    const c = await connect({ username: 'tls-1', password: device.mqtt.password })
    await c.publishAsync('urbantwin/v1/devices/tls-1/up', JSON.stringify({ fillingLevel: 0.4 }), { qos: 1 })
    const protocol = (c.stream as unknown as { getProtocol(): string }).getProtocol()
    expect(['TLSv1.2', 'TLSv1.3']).toContain(protocol)
    await expect(
      tls({ username: 'tls-1', password: device.mqtt.password, maxVersion: 'TLSv1.1' }),
    ).rejects.toThrow()
    // and a client that does not trust the CA does not connect
    await expect(tls({ ca: undefined, username: 'tls-1', password: device.mqtt.password })).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    )
  })

  it('rotates a device secret: the old session is closed at once and the old secret refused', async () => {
    const device = await registerContainer(p, 'rot-1')
    const before = await connect({ username: 'rot-1', password: device.mqtt.password })
    const gone = closed(before)
    const { status, json } = await api('POST', '/api/mqtt/accounts/rot-1/rotate')
    expect(status).toBe(200)
    expect(json).toMatchObject({ username: 'rot-1', role: 'device', deviceId: 'rot-1', disconnected: 1 })
    await gone
    await expect(tls({ username: 'rot-1', password: device.mqtt.password })).rejects.toThrow(
      /Bad username or password/i,
    )
    const after = await connect({ username: 'rot-1', password: String(json.password) })
    await after.publishAsync('urbantwin/v1/devices/rot-1/up', JSON.stringify({ fillingLevel: 0.5 }), {
      qos: 1,
    })
  })

  it('revokes with the CLI: the device is disconnected at once and cannot log in again', async () => {
    const device = await registerContainer(p, 'rev-1')
    const c = await connect({ username: 'rev-1', password: device.mqtt.password })
    const gone = closed(c)
    const listed = await cli('list', '--json')
    expect((JSON.parse(listed.stdout) as Array<{ username: string }>).map((a) => a.username)).toContain(
      'rev-1',
    )
    expect(listed.stdout).not.toMatch(/hmac|scrypt|password/i) // never a secret or its hash
    const revoked = await cli('revoke', 'rev-1')
    expect(revoked.stderr).toContain('revoked rev-1; closed 1 connection(s)')
    await gone
    await expect(tls({ username: 'rev-1', password: device.mqtt.password })).rejects.toThrow(
      /Bad username or password/i,
    )
    expect((await api('DELETE', '/api/mqtt/accounts/rev-1')).status).toBe(404)
    // the platform's own logins are not the operator's to revoke
    expect((await api('DELETE', '/api/mqtt/accounts/urbantwin-simulator')).status).toBe(403)
  })

  it('creates a TTS bridge login with the CLI; it publishes TTS uplinks only', async () => {
    const made = await cli('create', 'tts-awm', '--role', 'bridge', '--network', 'tts')
    const password = made.stdout.trim()
    expect(password.length).toBeGreaterThanOrEqual(32)
    expect(
      (await api('POST', '/api/mqtt/accounts', { role: 'bridge', username: 'tts-awm', network: 'tts' }))
        .status,
    ).toBe(409)
    const bridge = await connect({ username: 'tts-awm', password })
    await bridge.publishAsync('v3/awm@muenchen/devices/lds-9/up', '{}', { qos: 1 })
    const gone = closed(bridge)
    bridge.publish('application/1/device/70b3d57ed0051234/event/up', '{}', { qos: 1 })
    await gone
    // a device login needs a registered device
    expect((await api('POST', '/api/mqtt/accounts', { role: 'device', username: 'nobody' })).status).toBe(400)
  })

  it('is ready at /api/ready: broker listening, store answering, time series reachable, WAL with room', async () => {
    const res = await fetch(`${p.base}/api/ready`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { broker: { ok: true }, store: { ok: true }, timeSeries: { ok: true }, wal: { ok: true } },
    })
  })

  it('counts refusals by reason in /metrics', async () => {
    const text = await (await fetch(`${p.base}/metrics`, { headers: admin })).text()
    const count = (reason: string) =>
      Number(new RegExp(`^urbantwin_mqtt_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1])
    expect(count('login')).toBeGreaterThanOrEqual(2) // the rotated and the revoked secret
    expect(count('acl-publish')).toBeGreaterThanOrEqual(1) // the bridge's ChirpStack uplink
    expect(count('max-connections')).toBe(0)
    expect(text).toMatch(/^urbantwin_mqtt_messages_received_total\{qos="1"\} [1-9]/m)
    expect(text).toMatch(/^urbantwin_mqtt_connections \d+$/m)
    // latency histograms: the API's by route family, the store's per ingest batch (the uplinks above)
    expect(text).toMatch(
      /^urbantwin_http_request_duration_seconds_count\{method="POST",route="\/api\/mqtt",status="200"\} [1-9]/m,
    )
    expect(text).toMatch(/^urbantwin_store_write_duration_seconds_count [1-9]/m)
    // the WAL's lag behind the broker, and the session journal of this single node
    expect(text).toMatch(/^urbantwin_wal_lag_seconds \d/m)
    expect(text).toMatch(/^urbantwin_mqtt_session_journal_bytes \d+$/m)
  })
})
