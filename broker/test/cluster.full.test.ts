import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '../testing/redis-server.ts'
import { generateSecret } from '../src/index.ts'

const NODE = fileURLToPath(new URL('./cluster-node.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const token = generateSecret()

type BrokerNode = { port: number; child: ChildProcess; walDir: string }

/** Starts a broker node process on `port` (0: a free one) sharing `redis`; resolves once it listens. */
function startNode(redis: RedisServer, port = 0, walDir = mkdtempSync(join(tmpdir(), 'ut-cluster-wal-'))) {
  const child = spawn(process.execPath, ['--import', TSX, NODE, redis.url, String(port), walDir], {
    env: { ...process.env, OPS_TOKEN: token },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise<BrokerNode>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker node exited with ${code}`)))
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve({ port: (JSON.parse(line) as { port: number }).port, child, walDir }),
    )
  })
}

async function stopNode(n: BrokerNode, signal: NodeJS.Signals = 'SIGTERM') {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return
  const exited = new Promise((r) => n.child.once('exit', r))
  n.child.kill(signal)
  await exited
}

/**
 * Two broker processes on one Redis (Debian's redis-server): one broker to their clients. Publishes
 * reach subscribers on the other node; retained messages and offline queues live in Redis and survive
 * a node being killed and started again; revoking a login on one node closes its sessions on all.
 */
describe('broker cluster over Redis: two processes, one broker', () => {
  let redis: RedisServer
  let a: BrokerNode
  let b: BrokerNode
  const clients: MqttClient[] = []

  beforeAll(async () => {
    redis = await startRedis()
    ;[a, b] = await Promise.all([startNode(redis), startNode(redis)])
  }, 60_000)

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    for (const n of [a, b]) if (n) await stopNode(n)
    for (const n of [a, b]) if (n) rmSync(n.walDir, { recursive: true, force: true })
    await redis?.stop()
  })

  async function connect(n: BrokerNode, opts: IClientOptions = {}) {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${n.port}`, {
      username: 'ops',
      password: token,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    })
    clients.push(c)
    return c
  }
  const next = (c: MqttClient, topic: string) =>
    new Promise<{ payload: string; retain: boolean }>((resolve) => {
      const on = (t: string, payload: Buffer, packet: { retain: boolean }) => {
        if (t !== topic) return
        c.off('message', on)
        resolve({ payload: payload.toString(), retain: packet.retain })
      }
      c.on('message', on)
    })

  it('delivers a PUBLISH on node A to a subscriber on node B', async () => {
    const sub = await connect(b)
    await sub.subscribeAsync('city/a-to-b', { qos: 1 })
    const got = next(sub, 'city/a-to-b')
    const pub = await connect(a)
    await pub.publishAsync('city/a-to-b', 'hello from A', { qos: 1 })
    expect((await got).payload).toBe('hello from A')
  })

  it('keeps a retained message across a node being killed and restarted', async () => {
    const pub = await connect(a)
    await pub.publishAsync('city/retained', 'kept', { qos: 1, retain: true })
    await pub.endAsync()
    await stopNode(a, 'SIGKILL')
    a = await startNode(redis, a.port, a.walDir)
    for (const n of [a, b]) {
      const sub = await connect(n)
      const got = next(sub, 'city/retained')
      await sub.subscribeAsync('city/retained', { qos: 1 })
      expect(await got).toEqual({ payload: 'kept', retain: true })
    }
  }, 60_000)

  it('queues QoS 1 messages for an offline persistent session and delivers them after its node restarted', async () => {
    const session = { clientId: 'field-laptop', clean: false }
    const first = await connect(a, session)
    await first.subscribeAsync('city/orders', { qos: 1 })
    await first.endAsync()
    const pub = await connect(b)
    for (const n of [1, 2, 3]) await pub.publishAsync('city/orders', `order ${n}`, { qos: 1 })
    await stopNode(a, 'SIGKILL')
    a = await startNode(redis, a.port, a.walDir)
    const received: string[] = []
    const back = await mqtt.connectAsync(`mqtt://127.0.0.1:${a.port}`, {
      username: 'ops',
      password: token,
      reconnectPeriod: 0,
      ...session,
    })
    clients.push(back)
    back.on('message', (_t, payload) => received.push(payload.toString()))
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`got only ${JSON.stringify(received)}`)), 10_000)
      const check = setInterval(() => {
        if (received.length >= 3) {
          clearInterval(check)
          clearTimeout(deadline)
          resolve()
        }
      }, 10)
    })
    expect(received).toEqual(['order 1', 'order 2', 'order 3'])
  }, 60_000)

  it("closes a revoked login's sessions on every node, not only the one told", async () => {
    const onB = await connect(b)
    const closed = new Promise<void>((r) => onB.once('close', () => r()))
    a.child.stdin!.write('disconnect ops\n') // what the platform does on node A when a login is revoked
    await closed
  })
})
