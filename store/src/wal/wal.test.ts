import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeRecord, encodeRecord } from './record.ts'
import { WalFullError, openWal, type Wal } from './wal.ts'

const msg = (i: number) => ({
  topic: `urbantwin/v1/devices/d-${i % 7}/up`,
  payload: new TextEncoder().encode(JSON.stringify({ fillingLevel: (i % 100) / 100, i })),
  receivedAt: new Date(Date.UTC(2026, 10, 23, 8, 0, 0, i)).toISOString(),
  clientId: i % 2 ? `c-${i}` : null,
})

describe('WAL records', () => {
  it('round-trip every field and detect corruption (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(2 ** 40),
        fc.option(fc.string({ maxLength: 30 })),
        (topic, payload, seq, clientId) => {
          const r = {
            seq,
            topic,
            payload,
            receivedAt: '2026-11-23T08:00:00.123Z',
            clientId: clientId || null,
          }
          const buf = encodeRecord(r)
          const d = decodeRecord(buf, 0)
          expect(d).toEqual({ record: { ...r, payload: new Uint8Array(payload) }, size: buf.length })
          const flipped = Buffer.from(buf)
          flipped[buf.length - 1] = flipped[buf.length - 1]! ^ 0xff
          expect(decodeRecord(flipped, 0)).toHaveProperty('corrupt')
          expect(decodeRecord(buf.subarray(0, buf.length - 1), 0)).toEqual({ incomplete: true })
        },
      ),
    )
  })
})

describe('write-ahead log on disk', () => {
  const dirs: string[] = []
  const wals: Wal[] = []
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ut-wal-'))
    dirs.push(d)
    return d
  }
  const open = async (d: string, o: object = {}) => {
    const w = await openWal({ dir: d, ...o })
    wals.push(w)
    return w
  }
  afterEach(async () => {
    for (const w of wals.splice(0)) await w.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('appends in order, shares fsyncs between concurrent appends and reads back durable records', async () => {
    const w = await open(dir())
    const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) => w.append(msg(i))))
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    expect(w.stats().fsyncs).toBeLessThan(50)
    const first = await w.read(0, 200)
    expect(first.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(new TextDecoder().decode(first[3]!.payload)).toBe(JSON.stringify({ fillingLevel: 0.03, i: 3 }))
    expect(first[3]).toMatchObject({
      topic: 'urbantwin/v1/devices/d-3/up',
      clientId: 'c-3',
      receivedAt: msg(3).receivedAt,
    })
    const rest = await w.read(200, 1000)
    expect(rest.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 201))
    expect(await w.read(500, 10)).toEqual([])
  })

  it('survives a restart: checkpoint kept, records after it replayed, numbering continues', async () => {
    const d = dir()
    const w = await open(d)
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.append(msg(i))))
    await w.commit(12)
    await w.close()
    const again = await open(d)
    expect(again.checkpoint()).toBe(12)
    expect((await again.read(again.checkpoint(), 100)).map((r) => r.seq)).toEqual([
      13, 14, 15, 16, 17, 18, 19, 20,
    ])
    expect(await again.append(msg(99))).toBe(21)
    expect(again.stats()).toMatchObject({ lastSeq: 21, checkpoint: 12, backlog: 9 })
  })

  it('cuts a torn tail left by a crash and keeps every complete record', async () => {
    const d = dir()
    const w = await open(d)
    await Promise.all(Array.from({ length: 10 }, (_, i) => w.append(msg(i))))
    await w.close()
    const [segment] = readdirSync(d).filter((n) => n.endsWith('.wal'))
    const partial = encodeRecord({ ...msg(10), seq: 11 }).subarray(0, 20)
    appendFileSync(join(d, segment!), partial)
    const again = await open(d)
    expect((await again.read(0, 100)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(await again.append(msg(11))).toBe(11)
    expect((await again.read(10, 5)).map((r) => r.seq)).toEqual([11])
  })

  it('rotates segments and deletes the ones behind the checkpoint', async () => {
    const d = dir()
    const w = await open(d, { segmentBytes: 2_000 })
    for (let i = 0; i < 100; i++) await w.append(msg(i))
    const before = w.stats()
    expect(before.segments).toBeGreaterThan(3)
    await w.commit(90)
    const after = w.stats()
    expect(after.segments).toBeLessThan(before.segments)
    expect(after.bytes).toBeLessThan(before.bytes)
    expect(readdirSync(d).filter((n) => n.endsWith('.wal'))).toHaveLength(after.segments)
    expect((await w.read(90, 100)).map((r) => r.seq)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100])
  })

  it('reads from any place: after the last read, before it, in another segment (property)', async () => {
    const w = await open(dir(), { segmentBytes: 3_000 })
    for (let i = 0; i < 150; i++) await w.append(msg(i)) // one at a time: segments rotate between flushes
    expect(w.stats().segments).toBeGreaterThan(3)
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ after: fc.integer({ min: 0, max: 160 }), max: fc.integer({ min: 1, max: 40 }) }),
          {
            maxLength: 8,
          },
        ),
        async (reads) => {
          for (const { after, max } of reads) {
            const expected = Array.from(
              { length: Math.max(0, Math.min(max, 150 - after)) },
              (_, i) => after + i + 1,
            )
            const records = await w.read(after, max)
            expect(records.map((r) => r.seq)).toEqual(expected)
            expect(records.map((r) => r.topic)).toEqual(expected.map((seq) => msg(seq - 1).topic))
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('keeps reading across segments while a consumer commits as it goes', async () => {
    const w = await open(dir(), { segmentBytes: 1_500 })
    for (let i = 0; i < 200; i++) await w.append(msg(i))
    const seen: number[] = []
    for (;;) {
      // small batches that end exactly at segment ends, committed after each read, like ingest
      const batch = await w.read(w.checkpoint(), 7)
      if (batch.length === 0) break
      seen.push(...batch.map((r) => r.seq))
      await w.commit(batch.at(-1)!.seq)
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(w.stats().segments).toBe(1)
  })

  it('refuses appends when its disk bound is reached, and accepts again once ingest caught up', async () => {
    const w = await open(dir(), { segmentBytes: 1_000, maxBytes: 5_000 })
    let refused: unknown = null
    let n = 0
    while (!refused && n < 1000) {
      await w.append(msg(n++)).catch((e: unknown) => (refused = e))
    }
    expect(refused).toBeInstanceOf(WalFullError)
    expect(String(refused)).toMatch(/write-ahead log full/)
    expect(w.stats().full).toBe(true)
    await w.commit(w.stats().lastSeq)
    expect(w.stats().full).toBe(false)
    await expect(w.append(msg(1))).resolves.toBeGreaterThan(0)
  })

  it('tells waiting readers when records became durable', async () => {
    const w = await open(dir())
    const seen = new Promise<number>((resolve) => {
      const off = w.onDurable(() => {
        off()
        resolve(w.stats().lastSeq)
      })
    })
    await w.append(msg(1))
    expect(await seen).toBe(1)
  })
})
