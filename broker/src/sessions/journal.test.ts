import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { encodeRecord, openSessionStore, type SessionStore } from './journal.ts'
import type { SessionState, StoredPacket } from './state.ts'

const dir = mkdtempSync(join(tmpdir(), 'urbantwin-journal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newPath = () => join(dir, `j${files++}.journal`)
const BROKER = { id: 'broker-a' }

async function open(path: string, opts: { compactBytes?: number; maxQueuedPerClient?: number } = {}) {
  // fsync is beside the point here (a reopen reads the page cache) and slow on a busy disk
  const store = await openSessionStore({ path, log: silentLogger, syncMs: 60_000, ...opts })
  await store.persistence.setup(BROKER)
  return store
}
/** The state as the records that rebuild it, encoded: equal text, equal state. */
const stateOf = (s: SessionStore) => [...s.persistence.snapshot()].map(encodeRecord)

const CLIENTS = ['dev-1', 'dev-2', 'viewer']
const TOPICS = ['urbantwin/v1/devices/dev-1/down', 'city/+/fill', 'city/#', 'city/a/fill']
const client = fc.constantFrom(...CLIENTS.map((id) => ({ id })))
const topic = fc.constantFrom(...TOPICS)
let counter = 0
const packet = fc.record({
  topic: fc.constantFrom('city/a/fill', 'city/b/fill', 'urbantwin/v1/devices/dev-1/down'),
  payload: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  qos: fc.constantFrom(0, 1, 2),
  retain: fc.boolean(),
})
const messageId = fc.integer({ min: 1, max: 6 })

type Op = (p: SessionState) => Promise<unknown>
/** Every change aedes can ask of its persistence, with the arguments it passes. */
const op: fc.Arbitrary<Op> = fc.oneof(
  packet.map((pk) => (p: SessionState) => p.storeRetained({ cmd: 'publish', ...pk })),
  fc
    .tuple(
      client,
      fc.uniqueArray(fc.record({ topic, qos: fc.constantFrom(0, 1, 2) }), { selector: (s) => s.topic }),
    )
    .map(
      ([c, subs]) =>
        (p: SessionState) =>
          p.addSubscriptions(c, subs),
    ),
  fc.tuple(client, fc.array(topic)).map(
    ([c, ts]) =>
      (p: SessionState) =>
        p.removeSubscriptions(c, ts),
  ),
  client.map((c) => (p: SessionState) => p.cleanSubscriptions(c)),
  fc.tuple(fc.subarray(CLIENTS), packet).map(([ids, pk]) => {
    const brokerCounter = ++counter
    return (p: SessionState) =>
      p.outgoingEnqueueCombi(
        ids.map((clientId) => ({ clientId })),
        { cmd: 'publish', ...pk, brokerId: BROKER.id, brokerCounter },
      )
  }),
  fc
    .tuple(client, fc.integer({ min: 0, max: 40 }), messageId)
    .map(([c, nth, id]) => async (p: SessionState) => {
      // gives the nth queued packet a messageId, as aedes does before it sends it
      const queued: StoredPacket[] = await p.outgoingStream(c).toArray()
      const target = queued[nth % Math.max(queued.length, 1)]
      // (run concurrently with other changes, the packet may be gone by now)
      if (target) await p.outgoingUpdate(c, { ...target, messageId: id }).catch(() => {})
    }),
  fc.tuple(client, messageId).map(
    ([c, id]) =>
      (p: SessionState) =>
        p
          .outgoingUpdate(c, { cmd: 'pubrel', topic: '', payload: '', qos: 1, retain: false, messageId: id })
          .catch(() => {}),
  ),
  fc.tuple(client, messageId).map(
    ([c, id]) =>
      (p: SessionState) =>
        p.outgoingClearMessageId(c, { messageId: id } as StoredPacket),
  ),
  fc.tuple(client, packet, messageId).map(
    ([c, pk, id]) =>
      (p: SessionState) =>
        p.incomingStorePacket(c, { cmd: 'publish', ...pk, messageId: id }),
  ),
  fc.tuple(client, messageId).map(
    ([c, id]) =>
      (p: SessionState) =>
        p.incomingDelPacket(c, { messageId: id }).catch(() => {}),
  ),
  client.map((c) => (p: SessionState) => p.cleanIncoming(c)),
  fc.tuple(client, packet).map(
    ([c, pk]) =>
      (p: SessionState) =>
        p.putWill(c, { cmd: 'publish', ...pk }),
  ),
  client.map((c) => (p: SessionState) => p.delWill(c)),
)

describe('journalled MQTT session store', () => {
  it('a reopened journal holds the state that was journalled, also across compactions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 60 }),
        fc.constantFrom(300, 1 << 20),
        fc.boolean(),
        async (ops, compactBytes, concurrent) => {
          const path = newPath()
          const a = await open(path, { compactBytes })
          // concurrent: changes arrive while earlier ones are written and while the journal is compacted
          if (concurrent) await Promise.all(ops.map((o) => o(a.persistence)))
          else for (const o of ops) await o(a.persistence)
          const before = stateOf(a)
          await a.close()
          const b = await open(path)
          expect(stateOf(b)).toEqual(before)
          expect(b.stats().unreadable).toBe(0)
          await b.close()
        },
      ),
      { numRuns: 200 },
    )
  }, 60_000)

  it('compacts: the journal shrinks to the live state', async () => {
    const path = newPath()
    const s = await open(path, { compactBytes: 4096 })
    const c = { id: 'dev-1' }
    await s.persistence.addSubscriptions(c, [{ topic: 'city/#', qos: 1 }])
    for (let i = 1; i <= 500; i++) {
      await s.persistence.outgoingEnqueue(
        { clientId: 'dev-1' },
        {
          cmd: 'publish',
          topic: 'city/a',
          payload: Buffer.alloc(100, i),
          qos: 1,
          retain: false,
          brokerId: 'b',
          brokerCounter: i,
        },
      )
      await s.persistence.outgoingUpdate(c, {
        cmd: 'publish',
        topic: 'city/a',
        payload: '',
        qos: 1,
        retain: false,
        brokerId: 'b',
        brokerCounter: i,
        messageId: 7,
      })
      await s.persistence.outgoingClearMessageId(c, { messageId: 7 } as StoredPacket)
    }
    expect(s.stats().compactions).toBeGreaterThan(5)
    expect(s.stats().queued).toBe(0)
    await s.close()
    // the subscription and nothing of the 500 messages that came and went
    expect(statSync(path).size).toBeLessThan(4096 * 2)
    const reopened = await open(path)
    expect(await reopened.persistence.subscriptionsByClient(c)).toEqual([{ topic: 'city/#', qos: 1 }])
    expect(reopened.stats().queued).toBe(0)
    await reopened.close()
  })

  it('drops a torn last write and skips a damaged line, keeping every other change', async () => {
    const path = newPath()
    const s = await open(path)
    await s.persistence.addSubscriptions({ id: 'dev-1' }, [{ topic: 'city/#', qos: 1 }])
    await s.persistence.addSubscriptions({ id: 'dev-2' }, [{ topic: 'city/a/fill', qos: 2 }])
    await s.close()
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines).toHaveLength(3) // two records and the final newline
    writeFileSync(path, `${lines[0]}\n{"op":"subscribe","clientId":\n${lines[1]}\n`)
    appendFileSync(path, '{"op":"retain","packet":{"topic":"x"') // a crash in the middle of a write

    const reopened = await open(path)
    expect(reopened.stats()).toMatchObject({ sessions: 2, unreadable: 2 })
    await reopened.close()
    // rewritten at start: nothing unreadable remains
    const again = await open(path)
    expect(again.stats()).toMatchObject({ sessions: 2, unreadable: 0 })
    await again.close()
  })

  it('bounds a persistent session’s queue and counts what it dropped', async () => {
    const path = newPath()
    const s = await open(path, { maxQueuedPerClient: 3 })
    for (let i = 1; i <= 5; i++)
      await s.persistence.outgoingEnqueueCombi([{ clientId: 'dev-1' }, { clientId: 'dev-2' }], {
        cmd: 'publish',
        topic: 'city/a',
        payload: Buffer.from([i]),
        qos: 1,
        retain: false,
        brokerId: 'b',
        brokerCounter: i,
      })
    expect(s.stats()).toMatchObject({ queued: 6, dropped: 4 })
    const kept: StoredPacket[] = await s.persistence.outgoingStream({ id: 'dev-1' }).toArray()
    expect(kept.map((p) => p.brokerCounter)).toEqual([1, 2, 3]) // the oldest stay, as in mosquitto
    await s.close()
    const reopened = await open(path, { maxQueuedPerClient: 3 })
    expect(reopened.stats()).toMatchObject({ queued: 6, dropped: 0 }) // drops are counted once, when they happen
    await reopened.close()
  })

  it('has written a change to the file when the call resolved (a killed process loses nothing of it)', async () => {
    const path = newPath()
    const s = await openSessionStore({ path, log: silentLogger, syncMs: 60_000 }) // fsync much later
    await s.persistence.setup(BROKER)
    await s.persistence.storeRetained({
      cmd: 'publish',
      topic: 'city/a',
      payload: Buffer.from('1'),
      qos: 0,
      retain: true,
    })
    // no close(): a second store reads the file as the next process would after kill -9
    const next = await open(path)
    expect(next.stats().retained).toBe(1)
    await next.close()
    await s.close()
  })
})
