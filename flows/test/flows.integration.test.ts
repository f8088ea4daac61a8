/**
 * The real Node-RED runtime behind a platform-like HTTP server on port 0: login, the shipped flow acting on
 * observations, the editor websocket on the shared server, stop, and a second instance after stop.
 * Node-RED is a process singleton, so the scenarios share one instance and run in order.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Logger, ObservationEvent } from '@urbantwin/model'
import { createFlows, hashPassword, isUnder, type Flows } from '../src/index.ts'

type Entry = { level: string; msg: string | undefined; [field: string]: unknown }
type FlowNode = { id: string; type: string; [key: string]: unknown }

function captureLogger(entries: Entry[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ ...bindings, ...obj, level, msg })
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(entries, { ...bindings, ...more }),
  }
}

function fillLevel(deviceId: string, result: number): ObservationEvent {
  return {
    deviceId,
    kind: 'clothing-container',
    thingId: 1,
    datastreamId: 2,
    key: 'fillingLevel',
    result,
    phenomenonTime: '2026-11-23T08:00:00.000Z',
  }
}

/** A raw websocket handshake; resolves with the status line's code (101 = upgraded). */
function upgradeStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    })
    req.on('upgrade', (res: IncomingMessage, socket: Socket) => {
      socket.destroy()
      resolve(res.statusCode ?? 0)
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

const USER = 'operator'
const PASSWORD = 'correct horse battery staple'

describe('Node-RED embedded in the platform server', () => {
  const entries: Entry[] = []
  const feed = new EventEmitter()
  const mqttUpgrades: string[] = []
  let root: string
  let passwordHash: string
  let server: Server
  let base: string
  let port: number
  let flows: Flows
  let upgradeListenersBefore: number

  async function token(username: string, password: string): Promise<Response> {
    return fetch(`${base}/flows/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: '*',
        username,
        password,
      }),
    })
  }
  async function login(): Promise<string> {
    const res = await token(USER, PASSWORD)
    expect(res.status).toBe(200)
    return ((await res.json()) as { access_token: string }).access_token
  }
  async function deployedFlows(): Promise<FlowNode[]> {
    const res = await fetch(`${base}/flows/flows`, { headers: { authorization: `Bearer ${await login()}` } })
    expect(res.status).toBe(200)
    return (await res.json()) as FlowNode[]
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'urbantwin-flows-it-'))
    passwordHash = await hashPassword(PASSWORD)
    // What the platform does: one server; /flows… to the Node-RED app, everything else elsewhere.
    server = createServer((req, res) => {
      if (isUnder(new URL(req.url ?? '/', 'http://x').pathname, '/flows')) return flows.app(req, res)
      res.statusCode = 404
      res.end()
    })
    // Stand-in for the platform's MQTT-over-WebSocket listener (noServer-style: handles only its path).
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      if (req.url !== '/mqtt') return
      mqttUpgrades.push(req.url)
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    })
    upgradeListenersBefore = server.listenerCount('upgrade')
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    base = `http://127.0.0.1:${port}`
    flows = createFlows({
      server,
      log: captureLogger(entries),
      userDir: join(root, 'node-red'),
      adminUser: { username: USER, passwordHash },
      credentialSecret: 'test-credential-secret',
      observations: feed,
    })
    await flows.start()
  }, 30_000)

  afterAll(async () => {
    await flows?.stop()
    if (server?.listening) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    await rm(root, { recursive: true, force: true })
  })

  it('serves the editor page without login, but the admin API only with a token', async () => {
    const editor = await fetch(`${base}/flows/`)
    expect(editor.status).toBe(200)
    expect(await editor.text()).toContain('<title>UrbanTwin flows</title>')
    expect((await fetch(`${base}/flows/flows`)).status).toBe(401)
    expect(
      (await fetch(`${base}/flows/flows`, { headers: { authorization: 'Bearer not-a-token' } })).status,
    ).toBe(401)
  })

  it('puts http-in endpoints under /flows/http behind the same login (HTTP Basic)', async () => {
    expect((await fetch(`${base}/flows/http/anything`)).status).toBe(401)
    const basic = (u: string, p: string) => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
    })
    expect((await fetch(`${base}/flows/http/anything`, { headers: basic(USER, 'wrong') })).status).toBe(401)
    // right login: past the gate, and no flow serves this path
    expect((await fetch(`${base}/flows/http/anything`, { headers: basic(USER, PASSWORD) })).status).toBe(404)
  }, 30_000) // two bcrypt (cost 12, pure JS) checks: slow on a loaded 2-core machine

  it('refuses a wrong password and an unknown user', async () => {
    expect([401, 403]).toContain((await token(USER, 'wrong password')).status)
    expect([401, 403]).toContain((await token('mallory', PASSWORD)).status)
  })

  it('logs in and lists the shipped flow with the observation node', async () => {
    const nodes = await deployedFlows()
    expect(nodes.find((n) => n.type === 'tab')).toMatchObject({ label: 'Container alerts' })
    expect(nodes.find((n) => n.type === 'urbantwin-observation-in')).toMatchObject({
      kind: 'clothing-container',
      key: 'fillingLevel',
    })
  })

  it('alerts once when a container crosses 80 %, again only after it was emptied', async () => {
    const alerts = () =>
      entries
        .filter(
          (e) =>
            e.msg === 'flow node log' &&
            (e.node as { name?: string } | undefined)?.name === 'Container above 80 %',
        )
        .map((e) => String(e.text))
    expect(feed.listenerCount('observation')).toBe(1)
    for (const [device, level] of [
      ['container-a', 40],
      ['container-a', 91], // crosses: alert
      ['container-b', 85], // first seen full: alert
      ['container-a', 95], // still full: quiet
      ['container-b', 99],
      ['container-a', 10], // emptied: re-armed
      ['container-a', 82], // crosses again: alert
      ['container-c', 79.9],
    ] as const)
      feed.emit('observation', fillLevel(device, level))
    // Messages keep their order through the flow: once the last alert is logged, earlier ones are too.
    await vi.waitFor(() => expect(alerts()).toHaveLength(3))
    expect(alerts()).toEqual([
      expect.stringMatching(/container-a.*fillLevel: 91/s),
      expect.stringMatching(/container-b.*fillLevel: 85/s),
      expect.stringMatching(/container-a.*fillLevel: 82/s),
    ])
    expect(
      entries.find((e) => e.msg === 'flow node log' && String(e.text).includes('fillLevel: 91')),
    ).toMatchObject({
      level: 'info',
      component: 'flows',
    })
    // nothing more trickles in for the readings that stayed full
    await new Promise((r) => setTimeout(r, 200))
    expect(alerts()).toHaveLength(3)
  })

  it('accepts the editor websocket on /flows/comms and leaves /mqtt to its owner', async () => {
    expect(await upgradeStatus(port, '/flows/comms')).toBe(101)
    expect(await upgradeStatus(port, '/mqtt')).toBe(101)
    expect(mqttUpgrades).toEqual(['/mqtt'])
  })

  it('stops idempotently and lets go of the server and the feed', async () => {
    const stopped = flows.stop()
    expect(flows.stop()).toBe(stopped)
    await stopped
    await flows.stop()
    expect(feed.listenerCount('observation')).toBe(0)
    expect(server.listenerCount('upgrade')).toBe(upgradeListenersBefore)
    await expect(flows.start()).rejects.toThrow('after stop')
  })

  it("runs a new instance after stop, keeping the operator's flows", async () => {
    const userDir = join(root, 'edited')
    await mkdir(userDir)
    const edited: FlowNode[] = [{ id: 'aaaaaaaaaaaaaaaa', type: 'tab', label: 'My own tab' }]
    await writeFile(join(userDir, 'flows.json'), JSON.stringify(edited))
    const options = {
      server,
      log: captureLogger(entries),
      userDir,
      adminUser: { username: USER, passwordHash },
      credentialSecret: 'test-credential-secret',
      observations: feed,
    }
    flows = createFlows(options)
    expect(() => createFlows(options)).toThrow('singleton')
    await flows.start()
    expect(await deployedFlows()).toEqual([expect.objectContaining({ type: 'tab', label: 'My own tab' })])
  }, 30_000)

  it('leaves no sockets or listening servers once stopped and the server is closed', async () => {
    await flows.stop()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    const tcp = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'))
    await vi.waitFor(() => expect(tcp()).toEqual([]), { timeout: 5_000 })
    // Not asserted: Node-RED keeps one session-expiry timer after a login (editor-api auth/tokens.js);
    // RED.stop() does not clear it. See README.
  })
})
