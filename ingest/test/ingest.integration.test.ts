import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { clothingContainer, deviceKind } from '@urbantwin/devices'
import { silentLogger, type Inbound, type ObservationEvent } from '@urbantwin/model'
import { openDuckDbStore, openWal, type Store } from '@urbantwin/store'
import { openDuckDb, sampleProvision } from '@urbantwin/store/testing'
import { createIngest, createWalConsumer } from '../src/index.ts'

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
const at = (i: number) => new Date(Date.UTC(2026, 10, 23, 8, i)).toISOString()
const up = (payload: Uint8Array, i: number, topic = 'urbantwin/v1/devices/c-1/up'): Inbound => ({
  topic,
  payload,
  receivedAt: at(i),
  clientId: 't',
})

async function provisioned(store: Store, properties: Record<string, unknown> = {}) {
  return store.provisionDevice({
    ...sampleProvision('c-1'),
    kind: clothingContainer.id,
    sensor: clothingContainer.sensor,
    datastreams: clothingContainer.datastreams,
    thing: { name: 'Container c-1', description: 'test', properties },
  })
}

describe('ingest from the write-ahead log into the real embedded store', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })
  async function setup(storeOverride?: (s: Store) => Store, batchSize?: number) {
    const dir = mkdtempSync(join(tmpdir(), 'ut-ingest-'))
    const store = await openDuckDbStore({ path: ':memory:' })
    const wal = await openWal({ dir })
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => store.close(),
      () => wal.close(),
    )
    const events: ObservationEvent[] = []
    const ingest = createIngest({
      store: storeOverride ? storeOverride(store) : store,
      kindOf: deviceKind,
      log: silentLogger,
      onStored: (e) => events.push(...e),
    })
    const prepared: number[] = [] // first WAL seq of each batch prepared
    const consumer = createWalConsumer({
      wal,
      // as the platform runs it: decoding the next batch overlaps storing this one
      prepare: (records) => {
        prepared.push(records[0]!.seq)
        return ingest.prepare(records)
      },
      handle: ingest.store,
      log: silentLogger,
      minBackoffMs: 10,
      maxBackoffMs: 50,
      ...(batchSize ? { batchSize } : {}),
    })
    cleanup.push(() => consumer.stop())
    return { dir, store, wal, ingest, consumer, events, prepared }
  }

  it('stores valid uplinks in order, quarantines the rest with reasons, and advances the checkpoint', async () => {
    const { store, wal, ingest, consumer, events } = await setup()
    const device = await provisioned(store)
    for (let i = 0; i < 5; i++) await wal.append(up(enc({ fillingLevel: i / 10 }), i))
    await wal.append(up(new Uint8Array([0xff, 0xfe]), 6))
    await wal.append(up(enc({ fillingLevel: 0.5 }), 7, 'urbantwin/v1/devices/ghost/up'))
    await wal.append(up(enc({ fillingLevel: 0.5, note: 'aa:bb:cc:dd:ee:ff' }), 8))
    consumer.start()
    await consumer.caughtUp()

    expect(ingest.stats()).toMatchObject({ received: 8, stored: 5, duplicates: 0, quarantined: 3 })
    expect(ingest.stats().byCategory).toEqual({ 'bad-json': 1, 'unknown-device': 1, privacy: 1 })
    const page = await store.observations(device.datastreams.fillingLevel!, { top: 10, skip: 0 })
    expect(page.items.map((o) => o.result)).toEqual([40, 30, 20, 10, 0])
    expect(events.filter((e) => e.key === 'fillingLevel')).toHaveLength(5)
    const q = await store.quarantined({ top: 10, skip: 0 })
    expect(q.items.map((m) => [m.walSeq, m.category])).toEqual([
      [8, 'privacy'],
      [7, 'unknown-device'],
      [6, 'bad-json'],
    ])
    expect(q.items[0]!.payloadBase64).toBeNull() // refused for privacy: not kept
    expect(q.items[2]!.payloadBase64).toBe('//4=')
    expect(wal.checkpoint()).toBe(8)
  })

  it('never duplicates on replay: records handled before a crash but not checkpointed are skipped', async () => {
    const { store, wal, ingest, consumer } = await setup()
    const device = await provisioned(store)
    for (let i = 0; i < 10; i++) await wal.append(up(enc({ fillingLevel: i / 10 }), i))
    // the process stored the batch, then died before committing the checkpoint
    await ingest.handle(await wal.read(0, 10))
    expect(wal.checkpoint()).toBe(0)
    consumer.start()
    await consumer.caughtUp()
    expect((await store.observations(device.datastreams.fillingLevel!, { top: 100, skip: 0 })).count).toBe(10)
    expect(ingest.stats()).toMatchObject({ stored: 10, duplicates: 10 })
    expect(wal.checkpoint()).toBe(10)
  })

  it('replays from the checkpoint after a restart of the WAL', async () => {
    const { dir, store } = await setup()
    const device = await provisioned(store)
    const first = await openWal({ dir: join(dir, 'w2') })
    for (let i = 0; i < 6; i++) await first.append(up(enc({ fillingLevel: i / 10 }), i))
    await first.commit(2) // 1 and 2 were stored before
    await first.close()
    const wal = await openWal({ dir: join(dir, 'w2') })
    cleanup.push(() => wal.close())
    const ingest = createIngest({ store, kindOf: deviceKind, log: silentLogger })
    const consumer = createWalConsumer({ wal, handle: ingest.handle, log: silentLogger })
    cleanup.push(() => consumer.stop())
    consumer.start()
    await consumer.caughtUp()
    expect(
      (await store.observations(device.datastreams.fillingLevel!, { top: 100, skip: 0 })).items.map(
        (o) => o.result,
      ),
    ).toEqual([50, 40, 30, 20])
    expect(wal.checkpoint()).toBe(6)
  })

  it('keeps the WAL as the spool while the store fails, retries with backoff and catches up', async () => {
    let failuresLeft = 4
    const { store, wal, ingest, consumer } = await setup((s) => ({
      ...s,
      appendObservations: (obs) => {
        if (failuresLeft-- > 0) return Promise.reject(new Error('connection refused'))
        return s.appendObservations(obs)
      },
    }))
    const device = await provisioned(store)
    for (let i = 0; i < 3; i++) await wal.append(up(enc({ fillingLevel: i / 10 }), i))
    consumer.start()
    await consumer.caughtUp()
    expect(consumer.stats()).toMatchObject({
      retries: 4,
      lastError: 'connection refused',
      storeDownSince: null,
    })
    expect(ingest.stats().storeFailures).toBe(4)
    expect((await store.observations(device.datastreams.fillingLevel!, { top: 100, skip: 0 })).count).toBe(3)
    expect(wal.checkpoint()).toBe(3)
  })

  it('decodes the next batch while the store writes this one, and replays both when the write fails', async () => {
    let release: () => void = () => undefined
    let writes = 0
    let failNext = false
    const { store, wal, ingest, consumer, prepared } = await setup(
      (s) => ({
        ...s,
        appendObservations: async (obs) => {
          writes++
          if (writes === 1) await new Promise<void>((r) => (release = r)) // hold the first write
          if (failNext) {
            failNext = false
            throw new Error('engine went away')
          }
          return s.appendObservations(obs)
        },
      }),
      2,
    )
    const device = await provisioned(store)
    for (let i = 0; i < 6; i++) await wal.append(up(enc({ fillingLevel: i / 10 }), i))
    consumer.start()
    await vi.waitFor(() => expect(prepared).toEqual([1, 3])) // batch 3–4 decoded while 1–2 is held
    expect(writes).toBe(1)
    // the lag that /metrics reports: the oldest record read and not yet stored
    expect(consumer.stats().unstoredSince).toBe(up(enc({ fillingLevel: 0 }), 0).receivedAt)
    failNext = true
    release()
    await consumer.caughtUp()
    expect(consumer.stats().unstoredSince).toBeNull()
    // the failed batch 1–2 and the one read ahead were dropped and read again from the checkpoint
    expect(prepared).toEqual([1, 3, 1, 3, 5])
    expect(ingest.stats()).toMatchObject({ storeFailures: 1, stored: 6, duplicates: 0 })
    expect(
      (await store.observations(device.datastreams.fillingLevel!, { top: 10, skip: 0 })).items.map(
        (o) => o.result,
      ),
    ).toEqual([50, 40, 30, 20, 10, 0])
    expect(wal.checkpoint()).toBe(6)
  })

  it('keeps to its backoff while the store is down, however fast new records arrive', async () => {
    let down = true
    const { store, wal, ingest } = await setup((s) => ({
      ...s,
      appendObservations: (obs) => (down ? Promise.reject(new Error('refused')) : s.appendObservations(obs)),
    }))
    await provisioned(store)
    const consumer = createWalConsumer({
      wal,
      prepare: ingest.prepare,
      handle: ingest.store,
      log: silentLogger,
      minBackoffMs: 250,
      maxBackoffMs: 250,
    })
    cleanup.push(() => consumer.stop())
    consumer.start()
    // ~100 new records during ~1 s of outage: each one used to cut the backoff short
    const started = Date.now()
    for (let i = 0; i < 100; i++) {
      await wal.append(up(enc({ fillingLevel: (i % 100) / 100 }), i))
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(consumer.stats().retries).toBeGreaterThan(0)
    // a 250 ms backoff allows one retry per 250 ms of the outage (~5 in ~1 s; more on a loaded machine,
    // where the loop takes longer), far fewer than one per record
    const allowed = Math.ceil((Date.now() - started) / 250) + 2
    expect(consumer.stats().retries).toBeLessThanOrEqual(allowed)
    expect(allowed).toBeLessThan(100) // else this run could not tell the two apart
    down = false
    await vi.waitFor(() => expect(ingest.stats().stored).toBe(100), { timeout: 5000 })
  }, 30_000)

  it('gathers a steady trickle into fewer, larger batches with gatherMs, and stores every record', async () => {
    const sizes = async (gatherMs: number) => {
      const { store, wal, ingest } = await setup()
      await provisioned(store)
      const batches: number[] = []
      // every record is read from the WAL once: a gathered batch reads on after what it has
      const read: number[] = []
      const consumer = createWalConsumer({
        wal: {
          ...wal,
          read: async (afterSeq, max) => {
            const records = await wal.read(afterSeq, max)
            read.push(...records.map((r) => r.seq))
            return records
          },
        },
        prepare: ingest.prepare,
        handle: async (p) => {
          batches.push(ingest.stats().stored)
          await ingest.store(p)
        },
        log: silentLogger,
        gatherMs,
      })
      cleanup.push(() => consumer.stop())
      consumer.start()
      // 60 records, one every 5 ms
      const t0 = Date.now()
      for (let i = 0; i < 60; i++) {
        await wal.append(up(enc({ fillingLevel: i / 100 }), i))
        await new Promise((r) => setTimeout(r, 5))
      }
      await consumer.caughtUp()
      await vi.waitFor(() => expect(ingest.stats().stored).toBe(60), { timeout: 5000 })
      expect(read).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
      return { batches: batches.length, ms: Date.now() - t0 }
    }
    const apart = await sizes(0)
    const gathered = await sizes(150)
    // at most one batch per 150 ms (however slow the machine), plus the first and the last
    expect(gathered.batches).toBeLessThanOrEqual(Math.ceil(gathered.ms / 150) + 2)
    expect(gathered.batches).toBeLessThan(apart.batches)
  }, 30_000)

  it('lets the checkpoint lag behind a store that acknowledges before its data is on disk', async () => {
    const { store, wal, ingest } = await setup()
    await provisioned(store)
    let clock = 1_000_000
    const consumer = createWalConsumer({
      wal,
      handle: ingest.handle,
      log: silentLogger,
      commitLagMs: 60_000,
      now: () => clock,
    })
    cleanup.push(() => consumer.stop())
    for (let i = 0; i < 4; i++) await wal.append(up(enc({ fillingLevel: i / 10 }), i))
    consumer.start()
    await consumer.caughtUp()
    expect(consumer.stats().consumedSeq).toBe(4)
    expect(wal.checkpoint()).toBe(0) // stored, but kept in the WAL for a minute
    clock += 60_000
    await wal.append(up(enc({ fillingLevel: 0.9 }), 5))
    await consumer.caughtUp()
    await consumer.caughtUp()
    expect(wal.checkpoint()).toBe(4)
  })

  it('creates the Datastreams a registered device lacks on its first valid message', async () => {
    const { store, wal, ingest, consumer } = await setup()
    const partial = await store.provisionDevice({
      ...sampleProvision('c-1'),
      kind: clothingContainer.id,
      sensor: clothingContainer.sensor,
      datastreams: clothingContainer.datastreams.filter((d) => d.key !== 'temperature'),
      thing: { name: 'Container c-1', description: 'test', properties: {} },
    })
    expect(partial.datastreams.temperature).toBeUndefined()
    await wal.append(up(enc({ fillingLevel: 0.5, temperature: 12.5 }), 1))
    consumer.start()
    await consumer.caughtUp()
    expect(ingest.stats()).toMatchObject({ stored: 2, quarantined: 0 })
    const device = (await store.device('c-1'))!
    expect(Object.keys(device.datastreams).sort()).toEqual(
      clothingContainer.datastreams.map((d) => d.key).sort(),
    )
    expect(device.datastreams.fillingLevel).toBe(partial.datastreams.fillingLevel) // kept, not recreated
    const temps = await store.observations(device.datastreams.temperature!, { top: 5, skip: 0 })
    expect(temps.items.map((o) => o.result)).toEqual([12.5])
    expect((await store.datastream(device.datastreams.temperature!))?.name).toBe(
      'Temperature of Container c-1',
    )
  })

  it('applies a new calibration at once after forget()', async () => {
    const { store, wal, ingest, consumer } = await setup()
    const device = await provisioned(store)
    consumer.start()
    await wal.append(up(enc({ distanceMm: 600 }), 1))
    await consumer.caughtUp()
    await provisioned(store, { calibration: { heightMm: 1000, sensorOffsetMm: 100 } })
    ingest.forget('c-1')
    await wal.append(up(enc({ distanceMm: 600 }), 2))
    await consumer.caughtUp()
    const fills = (await store.observations(device.datastreams.fillingLevel!, { top: 2, skip: 0 })).items.map(
      (o) => o.result,
    )
    expect(fills).toEqual([50, 75]) // (1000 − 500) / 1000 after, (1800 − 450) / 1800 before
  })

  it('gives a registered device whose Thing was deleted a new Thing on its next valid message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-ingest-'))
    const { store, conn } = await openDuckDb({ path: ':memory:' })
    const wal = await openWal({ dir })
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => store.close(),
      () => wal.close(),
    )
    const ingest = createIngest({ store, kindOf: deviceKind, log: silentLogger })
    const consumer = createWalConsumer({
      wal,
      prepare: ingest.prepare,
      handle: ingest.store,
      log: silentLogger,
    })
    cleanup.push(() => consumer.stop())
    const before = await provisioned(store)
    await conn.exclusive(async (sql) => {
      await sql.run('DELETE FROM datastreams WHERE thing_id = ?', [before.thingId])
      await sql.run('DELETE FROM things WHERE id = ?', [before.thingId])
    })
    await wal.append(up(enc({ fillingLevel: 0.25 }), 1))
    await wal.append(up(enc({ fillingLevel: 0.5 }), 2, 'urbantwin/v1/devices/never-registered/up'))
    consumer.start()
    await consumer.caughtUp()
    expect(ingest.stats()).toMatchObject({ stored: 1, quarantined: 1, byCategory: { 'unknown-device': 1 } })
    const after = (await store.device('c-1'))!
    expect(after.thingId).not.toBe(before.thingId)
    expect(Object.keys(after.datastreams).sort()).toEqual(
      clothingContainer.datastreams.map((d) => d.key).sort(),
    )
    expect((await store.thing(after.thingId))?.name).toBe('Container c-1')
    const fills = await store.observations(after.datastreams.fillingLevel!, { top: 5, skip: 0 })
    expect(fills.items.map((o) => o.result)).toEqual([25])
    expect((await store.locations({ top: 5, skip: 0 }, after.thingId)).count).toBe(1)
  })
})
