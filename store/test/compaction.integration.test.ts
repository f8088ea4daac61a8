import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Expr, Id, NewObservation } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '../src/index.ts'
import { sampleProvision } from '../src/testing.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 1)
const iso = (ms: number) => new Date(ms).toISOString()

describe('compaction of Observations into the archive (real DuckDB file)', () => {
  let dir: string
  let path: string
  let store: Store
  let streams: Id[]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ut-compact-'))
    path = join(dir, 'urbantwin.duckdb')
    store = await openDuckDbStore({ path })
    streams = []
    for (const id of ['k-1', 'k-2', 'k-3']) {
      const d = await store.provisionDevice(sampleProvision(id))
      streams.push(d.datastreams.fillingLevel!, d.datastreams.temperature!)
    }
  })
  afterAll(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Everything a reader can see of the Observations, to compare before and after. */
  async function view(s: Store) {
    const out: unknown[] = []
    const oldest = new Map<number, string | undefined>()
    const window: Expr = {
      kind: 'binary',
      op: 'and',
      left: {
        kind: 'binary',
        op: 'ge',
        left: { kind: 'property', path: ['phenomenonTime'] },
        right: { kind: 'literal', type: 'datetime', value: iso(T0 + 20 * HOUR) },
      },
      right: {
        kind: 'binary',
        op: 'lt',
        left: { kind: 'property', path: ['phenomenonTime'] },
        right: { kind: 'literal', type: 'datetime', value: iso(T0 + 50 * HOUR) },
      },
    }
    for (const id of streams) {
      const all = await s.observations(id, { top: 10_000, skip: 0 })
      oldest.set(id, all.items.at(-1)?.phenomenonTime)
      out.push(all, await s.observations(id, { top: 5, skip: 3, filter: window }))
      for (const o of all.items.slice(0, 3)) out.push(await s.observation(o.id))
      out.push(
        await s.aggregateObservations(id, {
          from: iso(T0),
          to: iso(T0 + 100 * HOUR),
          intervalMs: 6 * HOUR,
          fn: 'avg',
        }),
      )
    }
    out.push(await s.latestObservations(streams), await s.latestOfKind('clothing-container', 'fillingLevel'))
    const first = await s.firstObservationTimes(streams)
    // as the oldest of each listing (newest first) says
    for (const [id, all] of oldest) expect(first.get(id)).toBe(all)
    out.push(first)
    return out
  }

  it('changes nothing a reader sees, keeps ids, refuses replays of archived ones, survives reopening', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.integer({ min: 0, max: 5 }),
            hour: fc.integer({ min: 0, max: 99 }),
            value: fc.oneof(fc.integer({ min: -50, max: 150 }), fc.constantFrom('ok', 'lid open')),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.integer({ min: 0, max: 110 }),
        async (rows, cutHour) => {
          const obs: NewObservation[] = rows.map((r) => ({
            datastreamId: streams[r.stream]!,
            phenomenonTime: iso(T0 + r.hour * HOUR),
            resultTime: iso(T0 + r.hour * HOUR),
            result: r.value,
          }))
          await store.appendObservations(obs)
          const before = await view(store)
          const { moved } = await store.compactObservations(T0 + cutHour * HOUR)
          expect(moved).toBeGreaterThanOrEqual(0)
          expect(await view(store)).toEqual(before)
          // a replay of what is now archived stores nothing
          expect((await store.appendObservations(obs)).inserted).toBe(0)
          expect(await view(store)).toEqual(before)
          expect((await store.compactObservations(T0 + cutHour * HOUR)).moved).toBe(0)
        },
      ),
      { numRuns: 25 },
    )
    await store.appendObservations(
      streams.map((datastreamId) => ({
        datastreamId,
        phenomenonTime: iso(T0 - HOUR),
        resultTime: iso(T0 - HOUR),
        result: 1,
      })),
    )
    const before = await view(store)
    expect((await store.compactObservations(T0 + 1000 * HOUR)).moved).toBeGreaterThan(0)
    await store.close()
    store = await openDuckDbStore({ path })
    expect(await view(store)).toEqual(before)
  }, 180_000)

  it('moves a backlog larger than one step in several, and every row once', async () => {
    // 6 Datastreams × 45,000 minutes: 270,000 rows, more than one step (at least 200,000)
    const minutes = 45_000
    for (let from = 0; from < minutes; from += 5_000) {
      const obs: NewObservation[] = []
      for (let m = from; m < from + 5_000; m++)
        for (const datastreamId of streams)
          obs.push({
            datastreamId,
            phenomenonTime: iso(T0 + 200 * HOUR + m * 60_000),
            resultTime: iso(T0),
            result: m,
          })
      await store.appendObservations(obs)
    }
    const before = await Promise.all(
      streams.map((id) => store.observations(id, { top: 3, skip: 0, count: true })),
    )
    const recent = await store.recentObservations()
    expect(recent).toBeGreaterThanOrEqual(streams.length * minutes)
    expect((await store.compactObservations(T0 + 200 * HOUR + minutes * 60_000)).moved).toBe(recent)
    expect(await store.recentObservations()).toBe(0)
    const after = await Promise.all(
      streams.map((id) => store.observations(id, { top: 3, skip: 0, count: true })),
    )
    expect(after).toEqual(before)
  }, 180_000)
})
