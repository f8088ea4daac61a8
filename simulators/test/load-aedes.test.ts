import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Aedes } from 'aedes'
import {
  countLossAndDuplicates,
  loopbackAddresses,
  runLoad,
  runLoadProcesses,
  subscribeAndCount,
  type LoadProgress,
} from '../src/load/index.ts'

type Broker = {
  url: string
  usernames: string[]
  remoteAddresses: Set<string>
  sockets: Set<net.Socket>
  close(): Promise<void>
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** An in-process aedes on 127.0.0.1 and port 0; `refuse` rejects every login (CONNACK 5). */
async function startAedes(opts: { refuse?: boolean } = {}): Promise<Broker> {
  const usernames: string[] = []
  const remoteAddresses = new Set<string>()
  const sockets = new Set<net.Socket>()
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, _password, done) => {
      if (username !== undefined) usernames.push(username)
      if (!opts.refuse) return done(null, true)
      done(Object.assign(new Error('refused'), { returnCode: 5 as const }), false)
    },
  })
  const server = net.createServer((socket) => {
    if (socket.remoteAddress) remoteAddresses.add(socket.remoteAddress)
    sockets.add(socket)
    broker.handle(socket)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as net.AddressInfo
  const b: Broker = {
    url: `mqtt://127.0.0.1:${port}`,
    usernames,
    remoteAddresses,
    sockets,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()))
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
  cleanups.push(b.close)
  return b
}

async function subscribe(url: string, qos: 0 | 1 | 2 = 1) {
  const sub = await subscribeAndCount(url, 'urbantwin/v1/devices/+/up', { qos })
  cleanups.push(sub.close)
  return sub
}

describe('load mode against an in-process aedes', () => {
  it.each([1, 2] as const)(
    'reports every acknowledged message by device and sequence number (QoS %i)',
    async (qos) => {
      const broker = await startAedes()
      const acks = new Map<string, number[]>()
      const report = await runLoad({
        url: broker.url,
        devices: 30,
        connections: 6,
        qos,
        messages: 900,
        onAck: (deviceId, seq) => acks.set(deviceId, [...(acks.get(deviceId) ?? []), seq]),
      })
      expect(report.acked).toBe(900)
      expect([...acks.values()].reduce((n, seqs) => n + seqs.length, 0)).toBe(900)
      expect(acks.size).toBe(30)
      for (const [deviceId, seqs] of acks) {
        const last = report.lastSeq.get(deviceId)!
        expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1))
      }
    },
  )

  it('200 devices over 20 connections, QoS 1: 2,000 messages all acked, none lost or duplicated', async () => {
    const broker = await startAedes()
    const sub = await subscribe(broker.url)
    const report = await runLoad({ url: broker.url, devices: 200, connections: 20, qos: 1, messages: 2000 })
    expect(report).toMatchObject({
      connected: 20,
      connectFailures: 0,
      sent: 2000,
      acked: 2000,
      unacked: 0,
      errors: 0,
    })
    expect(report.stoppedBy).toBe('messages')
    expect(report.ackLatencyMs!.p50).toBeGreaterThan(0)
    expect(report.ackLatencyMs!.p99).toBeGreaterThanOrEqual(report.ackLatencyMs!.p50)
    // 200 devices × 10 messages, each device's sequence 1..10
    expect(new Set(report.lastSeq.values())).toEqual(new Set([10]))
    expect(await sub.waitFor(2000, 10_000)).toBe(true)
    expect(countLossAndDuplicates(sub.received, report.lastSeq)).toMatchObject({
      expected: 2000,
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
      unexpected: 0,
    })
  })

  it('QoS 2: the PUBREC → PUBREL → PUBCOMP flow completes every message exactly once', async () => {
    const broker = await startAedes()
    const sub = await subscribe(broker.url, 2)
    const report = await runLoad({
      url: broker.url,
      devices: 50,
      connections: 5,
      qos: 2,
      messages: 500,
      inflight: 8,
    })
    expect(report).toMatchObject({ sent: 500, acked: 500, unacked: 0, errors: 0 })
    expect(await sub.waitFor(500, 10_000)).toBe(true)
    expect(countLossAndDuplicates(sub.received, report.lastSeq)).toMatchObject({ lost: 0, duplicates: 0 })
  })

  it('QoS 0 runs, stopping on duration, and reports progress', async () => {
    const broker = await startAedes()
    const progress: LoadProgress[] = []
    const report = await runLoad({
      url: broker.url,
      devices: 10,
      qos: 0,
      rate: 2000,
      durationMs: 1500,
      onProgress: (p) => progress.push(p),
    })
    expect(report.stoppedBy).toBe('duration')
    expect(report.sent).toBeGreaterThan(0)
    expect(report.acked).toBe(0)
    expect(report.ackLatencyMs).toBeNull()
    expect(progress.some((p) => p.phase === 'publishing' && p.sent > 0)).toBe(true)
  })

  it('keeps a target rate within ±30 % over ~2 s (sanity bound, not a timing assertion)', async () => {
    const broker = await startAedes()
    const report = await runLoad({
      url: broker.url,
      devices: 100,
      connections: 10,
      qos: 1,
      rate: 1000,
      durationMs: 2000,
    })
    expect(report.achievedRate).toBeGreaterThan(700)
    expect(report.achievedRate).toBeLessThan(1300)
    expect(report.sent).toBeGreaterThan(1400)
    expect(report.sent).toBeLessThan(2600)
  })

  it('logs in per connection with credentials(first device), or with one username', async () => {
    const broker = await startAedes()
    await runLoad({
      url: broker.url,
      devices: 6,
      connections: 3,
      messages: 6,
      deviceId: (i) => `dev-${i}`,
      credentials: (id) => ({ username: `user-${id}`, password: `token-${id}` }),
    })
    expect(broker.usernames.sort()).toEqual(['user-dev-0', 'user-dev-1', 'user-dev-2'])
    await runLoad({ url: broker.url, devices: 2, messages: 2, username: 'gateway', password: 'secret' })
    expect(broker.usernames.filter((u) => u === 'gateway')).toHaveLength(2)
  })

  it('reports refused logins and unreachable brokers as connect failures, not crashes', async () => {
    const broker = await startAedes({ refuse: true })
    const refused = await runLoad({ url: broker.url, devices: 4, messages: 10, qos: 1 })
    expect(refused).toMatchObject({ connected: 0, connectFailures: 4, sent: 0, stoppedBy: 'no-connections' })
    expect(refused.connectFailureReasons).toEqual({ 'not authorized': 4 })

    const closed = net.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const { port } = closed.address() as net.AddressInfo
    await new Promise<void>((r) => closed.close(() => r()))
    const unreachable = await runLoad({ url: `mqtt://127.0.0.1:${port}`, devices: 3, durationMs: 100 })
    expect(unreachable).toMatchObject({ connected: 0, connectFailures: 3 })
    expect(unreachable.connectFailureReasons).toEqual({ ECONNREFUSED: 3 })
  })

  it('reports connections the broker drops mid-run as errors and stops when none is left', async () => {
    const broker = await startAedes()
    const report = await runLoad({
      url: broker.url,
      devices: 3,
      qos: 1,
      rate: 300,
      durationMs: 60_000,
      onProgress: (p) => p.sent > 0 && broker.sockets.forEach((s) => s.destroy()),
    })
    expect(report).toMatchObject({ connected: 3, errors: 3, stoppedBy: 'no-connections' })
    expect(Object.values(report.errorReasons).reduce((a, b) => a + b, 0)).toBe(3) // closed or reset
    expect(report.unacked).toBe(report.sent - report.acked)
  })

  it('stops an unpaced run whose connections are all lost while waiting for acks', async () => {
    const broker = await startAedes()
    const report = await runLoad({
      url: broker.url,
      devices: 2,
      qos: 1,
      messages: 1_000_000,
      inflight: 1,
      drainTimeoutMs: 0,
      onProgress: (p) => p.sent > 0 && broker.sockets.forEach((s) => s.destroy()),
    })
    expect(report).toMatchObject({ connected: 2, errors: 2, stoppedBy: 'no-connections' })
  })

  it('binds connections to rotating loopback source addresses', async () => {
    const broker = await startAedes()
    const report = await runLoad({
      url: broker.url,
      devices: 6,
      messages: 6,
      localAddress: loopbackAddresses(3).slice(1),
    })
    expect(report.connected).toBe(6)
    expect([...broker.remoteAddresses].sort()).toEqual(['127.0.0.2', '127.0.0.3'])
  })

  it('stops on abort and still reports', async () => {
    const broker = await startAedes()
    const abort = new AbortController()
    const report = await runLoad({
      url: broker.url,
      devices: 4,
      rate: 100,
      durationMs: 60_000,
      signal: abort.signal,
      onProgress: (p) => p.sent > 0 && abort.abort(),
    })
    expect(report.stoppedBy).toBe('signal')
    expect(report.sent).toBeGreaterThan(0)
  })
})

describe('load mode across processes', () => {
  it('two child processes share devices and connections; merged sequences show no loss', async () => {
    const broker = await startAedes()
    const sub = await subscribe(broker.url)
    const report = await runLoadProcesses({
      processes: 2,
      url: broker.url,
      devices: 40,
      connections: 8,
      qos: 1,
      messages: 400,
    })
    expect(report.perProcess.map((r) => [r.devices, r.connections, r.sent])).toEqual([
      [20, 4, 200],
      [20, 4, 200],
    ])
    expect(report).toMatchObject({ connected: 8, sent: 400, acked: 400, unacked: 0 })
    expect(report.lastSeq.size).toBe(40)
    expect(await sub.waitFor(400, 10_000)).toBe(true)
    expect(countLossAndDuplicates(sub.received, report.lastSeq)).toMatchObject({ lost: 0, duplicates: 0 })
    for (const pid of report.pids) expect(() => process.kill(pid, 0)).toThrow() // children are gone
  })

  it('children take topic/payload/deviceId/credentials hooks from a module', async () => {
    const broker = await startAedes()
    const dir = mkdtempSync(join(tmpdir(), 'urbantwin-load-hooks-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const hooks = join(dir, 'hooks.mjs')
    writeFileSync(
      hooks,
      [
        'export const deviceId = (i) => `hook-${i}`',
        "export const credentials = (id) => ({ username: `u-${id}`, password: 'p' })",
      ].join('\n'),
    )
    const report = await runLoadProcesses({
      processes: 2,
      hooksModule: hooks,
      url: broker.url,
      devices: 4,
      connections: 2,
      messages: 4,
    })
    expect(broker.usernames.sort()).toEqual(['u-hook-0', 'u-hook-2'])
    expect([...report.lastSeq.keys()].sort()).toEqual(['hook-0', 'hook-1', 'hook-2', 'hook-3'])
  })

  it('stops children on abort and reports what they sent', async () => {
    const broker = await startAedes()
    const abort = new AbortController()
    const report = await runLoadProcesses({
      processes: 2,
      url: broker.url,
      devices: 4,
      rate: 200,
      durationMs: 60_000,
      signal: abort.signal,
      onProgress: (p) => p.sent > 0 && abort.abort(),
    })
    expect(report.stoppedBy).toBe('signal')
    expect(report.sent).toBeGreaterThan(0)
    for (const pid of report.pids) expect(() => process.kill(pid, 0)).toThrow()
  })
})
