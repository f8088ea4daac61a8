/**
 * Packet fuzzing of the broker's MQTT front door over real TCP sockets on loopback (fast-check):
 * (a) random bytes, bare or behind a valid CONNECT, and (b) valid packets from mqtt-packet's `generate`,
 * mutated (see fuzz-cases.ts), each case sent in random chunks on a connection of its own. Nothing is
 * asserted about the broker's replies to garbage (it may answer, close at once, or refuse a declared
 * size): only that it acts on whole packets, closes each connection we half-close, never throws, keeps
 * serving, and holds no connection or client afterwards.
 */
import { connect, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { generate, parser } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mutatedSession, randomBytes, type Case } from './fuzz-cases.ts'
import { startBroker, type TestBroker } from './harness.ts'
import { connectPacket } from '../testing/packets.ts'
import { waitFor } from './wait-for.ts'

/** How long the broker may take to answer, or to close a connection we half-closed. */
const SETTLE_MS = 5000
const PINGREQ = generate({ cmd: 'pingreq' })

/**
 * Whether `bytes` split exactly into packets by their declared Remaining Lengths (MQTT-2.2.3): then the
 * broker holds every packet whole and must act on each. Otherwise it is waiting for more bytes, or its
 * parser has given up on a malformed length.
 */
function wholePackets(bytes: Buffer): boolean {
  let i = 0
  while (i < bytes.length) {
    let length = 0
    let j = i + 1
    for (let multiplier = 1; ; multiplier *= 128) {
      if (j >= bytes.length || j - i > 4) return false
      const byte = bytes[j++]!
      length += (byte & 0x7f) * multiplier
      if ((byte & 0x80) === 0) break
    }
    i = j + length
  }
  return i === bytes.length
}

const within = (p: Promise<unknown>, ms: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    void p.then(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/**
 * Sends `bytes` in chunks cut at `cuts` (a turn of the event loop apart, so they arrive as separate
 * reads). Whole packets are followed by a PINGREQ, and the broker must then answer it or close the
 * connection: it has acted on everything before it. Then we half-close, and the broker must close.
 */
async function send(port: number, { bytes, cuts }: Case): Promise<{ settled: boolean; closed: boolean }> {
  const socket: Socket = connect({ port, host: '127.0.0.1' })
  socket.setNoDelay(true)
  socket.on('error', () => {}) // the broker may reset a connection it refuses
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const answers = parser({ protocolVersion: 4 })
  answers.on('error', () => {})
  const pong = new Promise<void>((resolve) => answers.on('packet', (p) => p.cmd === 'pingresp' && resolve()))
  socket.on('data', (chunk: Buffer) => answers.parse(chunk))
  await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed])
  const whole = wholePackets(bytes)
  const all = whole ? Buffer.concat([bytes, PINGREQ]) : bytes
  const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((x, y) => x - y)
  let from = 0
  for (const to of [...points, all.length]) {
    if (socket.destroyed) break
    socket.write(all.subarray(from, to))
    from = to
    await new Promise((r) => setImmediate(r))
  }
  const settled = !whole || (await within(Promise.race([pong, closed]), SETTLE_MS))
  socket.end()
  const ok = await within(closed, SETTLE_MS)
  socket.destroy()
  return { settled, closed: ok }
}

const gc: () => void = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

describe('packet fuzzing: the broker survives garbage on the wire', () => {
  let b: TestBroker
  const faults: unknown[] = []
  const onFault = (err: unknown) => faults.push(err)
  /** Every connection's socket and aedes client, held weakly: all must be collectable at the end. */
  const connections: WeakRef<object>[] = []
  let cases = 0
  /** How far the cases got: CONNACKs sent, client publishes routed, subscriptions made. */
  const reached = { connack: 0, publish: 0, subscribe: 0 }

  beforeAll(async () => {
    process.on('uncaughtException', onFault)
    process.on('unhandledRejection', onFault)
    b = await startBroker({
      onConnection: (socket) => {
        connections.push(new WeakRef(socket))
        const client = (socket as Socket & { client?: object }).client
        if (client) connections.push(new WeakRef(client))
      },
    })
    b.broker.aedes.on('connackSent', () => reached.connack++)
    b.broker.aedes.on('publish', (_p, c) => c && reached.publish++)
    b.broker.aedes.on('subscribe', () => reached.subscribe++)
  })

  afterAll(async () => {
    await b.close()
    process.off('uncaughtException', onFault)
    process.off('unhandledRejection', onFault)
  })

  async function run(arb: fc.Arbitrary<Case>, numRuns: number) {
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        cases++
        // whole packets are all acted on (PINGREQ answered, or the connection closed), and the broker
        // closes every connection we half-close: nothing hangs on a partial or refused packet
        expect(await send(b.port, c)).toEqual({ settled: true, closed: true })
        expect(faults).toEqual([])
      }),
      { numRuns },
    )
  }

  // alone each takes ~5–8 s; the bound is for a machine busy with other suites (npm run check runs
  // packages in parallel on 2 cores), where (b) once needed more than 25 s
  it('(a) random bytes, bare or after a valid CONNECT', { timeout: 120_000 }, async () => {
    await run(randomBytes(b.admin.password), 1200)
  })

  it('(b) generated packets, mutated, in random chunks', { timeout: 120_000 }, async () => {
    await run(mutatedSession(b.admin.password), 1800)
  })

  it('afterwards: no fault, no connection or session left, and the broker still serves', async () => {
    expect(cases).toBe(3000)
    // the cases got past CONNECT into the handlers behind it, not only into the parser
    expect(reached.connack).toBeGreaterThan(200)
    expect(reached.publish).toBeGreaterThan(100)
    expect(reached.subscribe).toBeGreaterThan(100)
    await until(async () => (await b.openConnections()) === 0, 'every fuzz connection to close')
    await until(async () => b.broker.aedes.connectedClients === 0, 'aedes to drop every client')
    expect(faults).toEqual([])

    const peer = await b.connect()
    await peer.client.subscribeAsync('after/fuzz', { qos: 1 })
    await peer.client.publishAsync('after/fuzz', 'still here', { qos: 1 })
    expect(String((await peer.received('after/fuzz')).payload)).toBe('still here')
    await peer.client.endAsync()
    expect(faults).toEqual([])
  })

  /** Sockets and aedes clients of the fuzz still reachable once collection has caught up. */
  async function reachable(): Promise<number> {
    await until(async () => (await b.openConnections()) === 0, 'every connection to close')
    const alive = () => connections.filter((r) => r.deref() !== undefined).length
    // deliveries still under way (e.g. retained messages streaming to a client that left) hold their
    // client for a moment: collect until they are done, or until it is clear some never will be
    await until(
      async () => {
        gc()
        await new Promise((r) => setTimeout(r, 20))
        return alive() === 0
      },
      'every fuzz connection to become garbage',
      5000,
    ).catch(() => {})
    return alive()
  }

  it(
    'afterwards: every socket and aedes client of the fuzz can be garbage collected',
    { timeout: 15_000 },
    async () => {
      // A leak per connection of some kind (say every refused CONNECT, every huge declared length) keeps
      // hundreds of the 6,000 objects; a race (such as aedes' SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE of one
      // filter in one read, which left a listener holding its client, patches/aedes+1.2.0.patch) one now
      // and then. Heap snapshots of a failing run show what holds them.
      expect(await reachable()).toBe(0)
    },
  )
})

// One of the leaks a fuzz run turned up (a client of thousands never collectable), made deterministic:
// a login that completed after its connection had closed was still indexed for `disconnect(username)`,
// and the listener meant to remove it was registered after 'close' had fired (fixed in broker.ts).
describe('a connection that closes while its login is looked up', () => {
  it('is released: disconnect() does not count it and its client can be collected', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let loginStarted = false
    const refs: WeakRef<object>[] = []
    const b = await startBroker({
      beforeLogin: () => {
        loginStarted = true
        return gate
      },
      onConnection: (socket) =>
        refs.push(new WeakRef(socket), new WeakRef((socket as Socket & { client: object }).client)),
    })
    try {
      const raw = await b.socket()
      raw.send(
        connectPacket({
          clientId: 'gone-during-login',
          username: b.admin.username,
          password: Buffer.from(b.admin.password),
        }),
      )
      await waitFor(() => (loginStarted ? true : undefined), 'the login lookup to start')
      raw.destroy()
      await until(async () => (await b.openConnections()) === 0, 'the broker to see the connection close')
      release()
      await until(
        async () => {
          gc()
          await new Promise((r) => setTimeout(r, 20))
          return refs.every((r) => r.deref() === undefined)
        },
        'the client and its socket to be collected',
        3000,
      )
      expect(b.broker.disconnect(b.admin.username)).toBe(0)
    } finally {
      await b.close()
    }
  })
})

/** Polls an asynchronous condition (no fixed sleeps). */
async function until(probe: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
