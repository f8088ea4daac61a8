import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Id, NewObservation, ObservationRecord, PageRequest } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '../src/index.ts'
import { sampleProvision } from '../src/testing.ts'
import { LatestIndex, isLatestOnly, type Latest } from '../src/query/latest-index.ts'

const at = (min: number) => new Date(Date.UTC(2026, 10, 23, 8, 0) + min * 60_000).toISOString()
const obs = (datastreamId: Id, min: number, result: NewObservation['result']): NewObservation => ({
  datastreamId,
  phenomenonTime: at(min),
  resultTime: at(min),
  result,
})
const latestOnly: PageRequest = { top: 1, skip: 0, count: false }

describe('latest-value index over a real DuckDB file', () => {
  let dir: string
  let store: Store
  let fill: Id
  let temp: Id

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ut-latest-'))
    store = await openDuckDbStore({ path: join(dir, 'urbantwin.duckdb') })
    const d = await store.provisionDevice(sampleProvision('c-1'))
    fill = d.datastreams.fillingLevel!
    temp = d.datastreams.temperature!
  })
  afterAll(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The newest Observation by a full read of the Datastream, the index's reference. */
  const scanned = async (id: Id): Promise<ObservationRecord | undefined> =>
    (await store.observations(id, { top: 1, skip: 0 })).items[0]

  it('answers with the newest Observation, follows appends, ignores older and duplicate ones', async () => {
    expect(await store.latestObservations([fill, temp])).toEqual(new Map())
    expect(await store.observations(fill, latestOnly)).toEqual({ items: [], count: 0 })

    await store.appendObservations([obs(fill, 1, 10), obs(fill, 3, 30), obs(fill, 2, 20)])
    const first = await store.latestObservations([fill, temp])
    expect([...first.keys()]).toEqual([fill])
    expect(first.get(fill)?.observation).toEqual(await scanned(fill))
    expect(first.get(fill)?.observation).toMatchObject({ phenomenonTime: at(3), result: 30 })

    // older than the newest, and a replay of the newest: no change
    await store.appendObservations([obs(fill, 0, 5), obs(fill, 3, 99)])
    expect((await store.latestObservations([fill])).get(fill)?.observation).toMatchObject({ result: 30 })

    // newer, with a text result (stored as JSON), and a first one for the other Datastream
    await store.appendObservations([obs(fill, 4, 'full'), obs(temp, 1, -2.5)])
    const next = await store.latestObservations([fill, temp, 424242])
    expect(next.get(fill)?.observation).toMatchObject({ phenomenonTime: at(4), result: 'full' })
    expect(next.get(fill)?.observation).toEqual(await scanned(fill))
    expect(next.get(temp)).toEqual({ observation: await scanned(temp), more: false })
    expect(next.has(424242)).toBe(false)
  })

  it('serves $top=1 newest-first pages from the index, with a count that tells whether more follow', async () => {
    const page = await store.observations(temp, latestOnly)
    expect(page.items).toEqual([await scanned(temp)])
    expect(page.count).toBe(1) // temp has exactly one Observation
    const many = await store.observations(fill, latestOnly)
    expect(many.items).toEqual([await scanned(fill)])
    expect(many.count).toBeGreaterThan(1)
    // an exact count or any other page goes to the table
    expect((await store.observations(fill, { top: 1, skip: 0 })).count).toBe(5)
    const second = await store.observations(fill, { top: 1, skip: 1, count: false })
    expect(second.items[0]).toMatchObject({ phenomenonTime: at(3) })
    expect(second.count).toBe(3) // skip 1 + this one + more follow
  })

  it('agrees with a full read after random interleavings of appends and reads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.constantFrom('fill', 'temp'),
            minute: fc.integer({ min: -500, max: 500 }),
            read: fc.boolean(),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (steps) => {
          for (const s of steps) {
            const id = s.stream === 'fill' ? fill : temp
            await store.appendObservations([obs(id, s.minute, s.minute)])
            if (s.read) {
              const got = await store.latestObservations([fill, temp])
              expect(got.get(id)?.observation).toEqual(await scanned(id))
            }
          }
          const got = await store.latestObservations([fill, temp])
          for (const id of [fill, temp]) {
            expect(got.get(id)?.observation).toEqual(await scanned(id))
            // `more` (a next page) exactly when the Datastream has older Observations
            const exact = (await store.observations(id, { top: 1, skip: 0 })).count
            expect(got.get(id)?.more).toBe(exact > 1)
          }
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)
})

describe('LatestIndex', () => {
  const record = (datastreamId: Id, min: number): ObservationRecord => ({
    ...obs(datastreamId, min, min),
    id: datastreamId * 1000 + min,
  })

  it('keeps the mark of an append that lands while a stale read is under way', async () => {
    let stored = [record(1, 1)]
    let release: () => void = () => {}
    let hold = false
    const index = new LatestIndex(async (ids, sinceMs) => {
      const snapshot = [...stored]
      if (hold) await new Promise<void>((r) => (release = r))
      const out = new Map<Id, Latest>()
      for (const o of snapshot)
        if (
          ids.includes(o.datastreamId) &&
          (sinceMs === undefined || Date.parse(o.phenomenonTime) >= sinceMs)
        )
          if (
            !out.has(o.datastreamId) ||
            out.get(o.datastreamId)!.observation.phenomenonTime < o.phenomenonTime
          )
            out.set(o.datastreamId, { observation: o, seen: 1 })
      return out
    })
    expect((await index.get([1])).get(1)?.observation).toEqual(record(1, 1))
    stored = [...stored, record(1, 2)]
    index.appended([obs(1, 2, 2)])
    hold = true
    const reading = index.get([1]) // reads the snapshot with minute 2
    stored = [...stored, record(1, 3)]
    index.appended([obs(1, 3, 3)]) // lands during the read
    release()
    expect((await reading).get(1)?.observation).toEqual(record(1, 2))
    hold = false
    expect((await index.get([1])).get(1)?.observation).toEqual(record(1, 3))
  })

  it('keeps the mark of an append that lands while a first full read is under way', async () => {
    let stored: ObservationRecord[] = [record(2, 1)]
    let release: () => void = () => {}
    let hold = true
    const index = new LatestIndex(async (ids) => {
      const snapshot = [...stored]
      if (hold) await new Promise<void>((r) => (release = r))
      const newest = snapshot.filter((o) => ids.includes(o.datastreamId)).at(-1)
      return new Map(newest ? [[newest.datastreamId, { observation: newest, seen: snapshot.length }]] : [])
    })
    const reading = index.get([2])
    stored = [...stored, record(2, 5)]
    index.appended([obs(2, 5, 5)])
    release()
    expect((await reading).get(2)?.observation).toEqual(record(2, 1))
    hold = false
    expect((await index.get([2])).get(2)).toEqual({ observation: record(2, 5), more: true })
  })

  it('asks again until an engine that indexes later shows the newest appended time', async () => {
    let visible: ObservationRecord[] = [record(3, 1)]
    const index = new LatestIndex(async (ids) => {
      const newest = visible.filter((o) => ids.includes(o.datastreamId)).at(-1)
      return new Map(newest ? [[newest.datastreamId, { observation: newest, seen: visible.length }]] : [])
    })
    // appended before the first read, not searchable yet
    index.appended([obs(3, 2, 2)])
    expect((await index.get([3])).get(3)?.observation).toEqual(record(3, 1))
    visible = [...visible, record(3, 2)]
    expect((await index.get([3])).get(3)?.observation).toEqual(record(3, 2))
    // and once known: a newer append shows when the engine shows it, with no append in between
    index.appended([obs(3, 4, 4)])
    expect((await index.get([3])).get(3)?.observation).toEqual(record(3, 2))
    visible = [...visible, record(3, 4)]
    expect((await index.get([3])).get(3)).toEqual({ observation: record(3, 4), more: true })
  })

  it('learns from what a write stored: known Datastreams without a read, unknown ones on their first read', async () => {
    const reads: Id[][] = []
    let visible: ObservationRecord[] = [record(4, 1)]
    const index = new LatestIndex(async (ids) => {
      reads.push([...ids])
      const out = new Map<Id, Latest>()
      for (const id of ids) {
        const mine = visible.filter((o) => o.datastreamId === id)
        if (mine.length > 0) out.set(id, { observation: mine.at(-1)!, seen: mine.length })
      }
      return out
    })
    expect((await index.get([4])).get(4)).toEqual({ observation: record(4, 1), more: false })
    expect(reads).toEqual([[4]])
    // Datastream 4 is known: its newest comes from the write; 5 is not: marked, read when asked for
    visible = [...visible, record(4, 3), record(4, 2), record(5, 7)]
    index.stored([
      { latest: { observation: record(4, 3), seen: 2 }, fromMs: Date.parse(at(2)) },
      { latest: { observation: record(5, 7), seen: 1 }, fromMs: Date.parse(at(7)) },
    ])
    expect((await index.get([4])).get(4)).toEqual({ observation: record(4, 3), more: true })
    expect(reads).toEqual([[4]])
    expect((await index.get([5])).get(5)).toEqual({ observation: record(5, 7), more: false })
    expect(reads).toEqual([[4], [5]])
    // an older one stored later only says that more exist; a newer one replaces the newest
    index.stored([{ latest: { observation: record(5, 6), seen: 1 }, fromMs: Date.parse(at(6)) }])
    expect((await index.get([5])).get(5)).toEqual({ observation: record(5, 7), more: true })
    index.stored([{ latest: { observation: record(5, 9), seen: 1 }, fromMs: Date.parse(at(9)) }])
    expect((await index.get([5])).get(5)).toEqual({ observation: record(5, 9), more: true })
    expect(reads).toEqual([[4], [5]])
  })

  it('takes only newest-first, unfiltered, uncounted first pages', () => {
    const desc = { expr: { kind: 'property' as const, path: ['phenomenonTime'] }, direction: 'desc' as const }
    expect(isLatestOnly(latestOnly)).toBe(true)
    expect(isLatestOnly({ ...latestOnly, orderBy: [desc] })).toBe(true)
    expect(isLatestOnly({ ...latestOnly, orderBy: [{ ...desc, direction: 'asc' }] })).toBe(false)
    expect(isLatestOnly({ ...latestOnly, orderBy: [desc, desc] })).toBe(false)
    expect(isLatestOnly({ ...latestOnly, count: true })).toBe(false)
    expect(isLatestOnly({ top: 1, skip: 0 })).toBe(false)
    expect(isLatestOnly({ ...latestOnly, top: 2 })).toBe(false)
    expect(isLatestOnly({ ...latestOnly, skip: 1 })).toBe(false)
    expect(
      isLatestOnly({
        ...latestOnly,
        filter: { kind: 'literal', value: { type: 'boolean', value: true } } as never,
      }),
    ).toBe(false)
  })
})
