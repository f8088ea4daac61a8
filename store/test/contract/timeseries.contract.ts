import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Id } from '@urbantwin/model'
import { TimeSeriesError, type SeriesPoint, type TimeSeriesStore } from '../../src/index.ts'
import { DAY, HOUR, MINUTE, T0, at, everything, freshDatastream, iso, pairs, point } from './fixtures.ts'

export type ContractSubject = {
  ts: TimeSeriesStore
  /** How this engine's suite puts data in; default `ts.write` (InfluxDB 1.6 seeds through v1 `/write`). */
  seed?: (points: readonly SeriesPoint[]) => Promise<void>
  /** Called after each write before polling for the points (VictoriaMetrics: `/internal/force_flush`). */
  settle?: () => Promise<void>
  close(): Promise<void>
}

export type ContractOptions = {
  /** An adapter of the same kind whose engine is down (or closed): writes must reject, ping must say why. */
  unreachable?: () => Promise<{ ts: TimeSeriesStore; close?: () => Promise<void> }>
  /** How long new points may take to become visible (VictoriaMetrics: about 2 s). */
  visibleWithinMs?: number
}

/** The time-series port's contract; every adapter runs it against a real engine. */
export function timeSeriesContract(
  name: string,
  open: () => Promise<ContractSubject>,
  opts: ContractOptions = {},
): void {
  describe(`TimeSeriesStore contract: ${name}`, { timeout: 60_000 }, () => {
    let subject: ContractSubject
    beforeAll(async () => {
      subject = await open()
    }, 60_000)
    afterAll(async () => {
      await subject?.close()
    }, 30_000)

    const ts = () => subject.ts
    async function put(points: readonly SeriesPoint[]) {
      await (subject.seed ? subject.seed(points) : subject.ts.write(points))
      await subject.settle?.()
    }
    /** Waits (polling, no sleeps) until the Datastream holds `n` points. */
    const visible = (id: Id, n: number) =>
      vi.waitFor(async () => expect((await ts().range(id, everything)).count).toBe(n), {
        timeout: opts.visibleWithinMs ?? 15_000,
        interval: 100,
      })
    async function stored(points: readonly SeriesPoint[]) {
      await put(points)
      const perStream = new Map<Id, Set<string>>()
      for (const p of points)
        perStream.set(p.datastreamId, (perStream.get(p.datastreamId) ?? new Set()).add(p.phenomenonTime))
      for (const [id, times] of perStream) await visible(id, times.size)
    }

    describe('write and range', () => {
      it('pages newest first and oldest first, with the total count', async () => {
        const ds = freshDatastream()
        await stored([1, 2, 3, 4, 5].map((i) => point(ds, i * MINUTE, i * 1.5)))
        const desc = await ts().range(ds, { limit: 2, offset: 1, order: 'desc' })
        expect(desc.count).toBe(5)
        expect(pairs(desc.items)).toEqual([
          [at(4 * MINUTE), 6],
          [at(3 * MINUTE), 4.5],
        ])
        const asc = await ts().range(ds, { limit: 10, offset: 0, order: 'asc' })
        expect(asc.items.map((p) => p.result)).toEqual([1.5, 3, 4.5, 6, 7.5])
        expect(asc.items[0]).toEqual({
          datastreamId: ds,
          phenomenonTime: at(MINUTE),
          resultTime: at(MINUTE + 250),
          result: 1.5,
        })
        expect(await ts().range(ds, { limit: 10, offset: 5, order: 'desc' })).toEqual({ items: [], count: 5 })
        expect(await ts().range(ds, { limit: 0, offset: 0, order: 'desc' })).toEqual({ items: [], count: 5 }) // $top=0
      })

      it('includes from and excludes to (STA-style half-open interval), each bound alone too', async () => {
        const ds = freshDatastream()
        await stored([1, 2, 3, 4].map((i) => point(ds, i * MINUTE, i)))
        const between = await ts().range(ds, { ...everything, from: at(2 * MINUTE), to: at(4 * MINUTE) })
        expect({ results: between.items.map((p) => p.result), count: between.count }).toEqual({
          results: [2, 3],
          count: 2,
        })
        const since = await ts().range(ds, { ...everything, from: at(3 * MINUTE) })
        expect(since.items.map((p) => p.result)).toEqual([3, 4])
        const until = await ts().range(ds, { ...everything, to: at(2 * MINUTE), order: 'desc' })
        expect({ results: until.items.map((p) => p.result), count: until.count }).toEqual({
          results: [1],
          count: 1,
        })
      })

      it('keeps millisecond precision in phenomenonTime, resultTime and range bounds', async () => {
        const ds = freshDatastream()
        await stored([point(ds, 1, 0.25, 7), point(ds, 2, 0.5), point(ds, 999, 0.75), point(ds, 1000, 1)])
        const all = await ts().range(ds, everything)
        expect(pairs(all.items)).toEqual([
          [at(1), 0.25],
          [at(2), 0.5],
          [at(999), 0.75],
          [at(1000), 1],
        ])
        expect(all.items[0]?.resultTime).toBe(at(8))
        const one = await ts().range(ds, { ...everything, from: at(2), to: at(999) })
        expect({ times: one.items.map((p) => p.phenomenonTime), count: one.count }).toEqual({
          times: [at(2)],
          count: 1,
        })
        const perMs = await ts().aggregate(ds, { from: at(0), to: at(1001), intervalMs: 1, fn: 'count' })
        expect(perMs).toEqual([1, 2, 999, 1000].map((ms) => ({ start: at(ms), value: 1 })))
        const perSecond = await ts().aggregate(ds, { from: at(0), to: at(2000), intervalMs: 1000, fn: 'sum' })
        expect(perSecond).toEqual([
          { start: at(0), value: 1.5 },
          { start: at(1000), value: 1 },
        ])
      })

      it('keeps one point when the same Datastream and phenomenonTime is written twice (replay)', async () => {
        const ds = freshDatastream()
        const batch = [1, 2, 3].map((i) => point(ds, i * MINUTE, i))
        await stored(batch)
        await put([...batch, point(ds, 10 * MINUTE, 10)]) // the new point shows when the replay is visible too
        await visible(ds, 4)
        expect((await ts().range(ds, everything)).items.map((p) => p.result)).toEqual([1, 2, 3, 10])
        const q = { from: at(0), to: at(HOUR), intervalMs: HOUR }
        expect(await ts().aggregate(ds, { ...q, fn: 'count' })).toEqual([{ start: at(0), value: 4 }])
        expect(await ts().aggregate(ds, { ...q, fn: 'sum' })).toEqual([{ start: at(0), value: 16 }])
      })
    })

    describe('latest', () => {
      it('returns the newest point of each Datastream, recent or idle, and nothing for one without data', async () => {
        const [idle, recent, empty] = [freshDatastream(), freshDatastream(), freshDatastream()]
        const now = Math.floor(Date.now() / 1000) * 1000
        const recentPoint = {
          datastreamId: recent,
          phenomenonTime: iso(now - HOUR),
          resultTime: iso(now - HOUR + 5),
          result: 42,
        }
        await stored([
          point(idle, MINUTE, 1),
          point(idle, 3 * MINUTE, 3, 40),
          point(idle, 2 * MINUTE, 2),
          recentPoint,
        ])
        const latest = await ts().latest([idle, recent, empty])
        expect([...latest.keys()].sort()).toEqual([idle, recent].sort())
        expect(latest.get(idle)).toEqual(point(idle, 3 * MINUTE, 3, 40))
        expect(latest.get(recent)).toEqual(recentPoint)
        expect((await ts().latest([])).size).toBe(0)
      })
    })

    describe('first', () => {
      it('returns when each Datastream began, in one call for many, and nothing for one without data', async () => {
        const [a, b, empty] = [freshDatastream(), freshDatastream(), freshDatastream()]
        await stored([
          point(a, 3 * MINUTE, 3),
          point(a, MINUTE + 7, 1),
          point(b, 2 * HOUR, 5),
          point(a, HOUR, 2),
        ])
        const first = await ts().first([a, b, empty])
        expect(Object.fromEntries(first)).toEqual({ [a]: at(MINUTE + 7), [b]: at(2 * HOUR) })
        expect((await ts().first([])).size).toBe(0)
      })
    })

    describe('aggregate', () => {
      const data = (ds: Id) => [
        point(ds, 0, 1), // exactly on the first bucket's start
        point(ds, 10 * MINUTE, 2),
        point(ds, HOUR - 1, 4.5), // the last millisecond of the first bucket
        point(ds, 2 * HOUR, 10), // exactly on a border: starts the third bucket
        point(ds, 2 * HOUR + 30 * MINUTE, -3),
      ]
      const hours = { from: at(0), to: at(3 * HOUR), intervalMs: HOUR }

      it('computes avg, min, max, sum and count per fixed bucket and omits empty buckets', async () => {
        const ds = freshDatastream()
        await stored(data(ds))
        const values = async (fn: 'avg' | 'min' | 'max' | 'sum' | 'count') =>
          (await ts().aggregate(ds, { ...hours, fn })).map((b) => [b.start, b.value])
        expect(await values('count')).toEqual([
          [at(0), 3],
          [at(2 * HOUR), 2],
        ])
        expect(await values('sum')).toEqual([
          [at(0), 7.5],
          [at(2 * HOUR), 7],
        ])
        expect(await values('min')).toEqual([
          [at(0), 1],
          [at(2 * HOUR), -3],
        ])
        expect(await values('max')).toEqual([
          [at(0), 4.5],
          [at(2 * HOUR), 10],
        ])
        const avg = await values('avg')
        expect(avg.map(([start]) => start)).toEqual([at(0), at(2 * HOUR)])
        expect(avg[0]?.[1]).toBeCloseTo(2.5, 12)
        expect(avg[1]?.[1]).toBeCloseTo(3.5, 12)
        const halfHours = await ts().aggregate(ds, { ...hours, intervalMs: 30 * MINUTE, fn: 'count' })
        expect(halfHours.map((b) => [b.start, b.value])).toEqual([
          [at(0), 2],
          [at(30 * MINUTE), 1],
          [at(2 * HOUR), 1],
          [at(2 * HOUR + 30 * MINUTE), 1],
        ])
      })

      it('counts only points in [from, to), labels cut buckets by their aligned start', async () => {
        const ds = freshDatastream()
        await stored(data(ds))
        const count = async (from: number, to: number, intervalMs = HOUR) =>
          (await ts().aggregate(ds, { from: at(from), to: at(to), intervalMs, fn: 'count' })).map((b) => [
            b.start,
            b.value,
          ])
        expect(await count(10 * MINUTE, 2 * HOUR)).toEqual([[at(0), 2]]) // to excludes the border point
        expect(await count(HOUR - 1, 2 * HOUR + 1)).toEqual([
          [at(0), 1],
          [at(2 * HOUR), 1],
        ])
        expect(await count(5 * MINUTE, 6 * MINUTE)).toEqual([]) // inside one bucket, no point
        expect(await count(0, DAY, DAY)).toEqual([[at(0), 5]])
        const week = 7 * DAY
        const weekStart = Math.floor(T0 / week) * week // epoch-aligned, may lie before from
        expect(await count(0, DAY, week)).toEqual([[iso(weekStart), 5]])
      })
    })

    describe('deleteSeries', () => {
      it('deletes every point of the named Datastreams and nothing of the others', async () => {
        const [a, b, keep] = [freshDatastream(), freshDatastream(), freshDatastream()]
        await stored([a, b, keep].flatMap((ds) => [point(ds, 0, 1), point(ds, HOUR, 2), point(ds, DAY, 3)]))
        await ts().deleteSeries([a, b])
        await subject.settle?.()
        await vi.waitFor(
          async () => {
            expect((await ts().range(a, everything)).count).toBe(0)
            expect((await ts().range(b, everything)).count).toBe(0)
            expect([...(await ts().latest([a, b, keep])).keys()]).toEqual([keep])
          },
          { timeout: opts.visibleWithinMs ?? 15_000, interval: 100 },
        )
        expect((await ts().range(keep, everything)).count).toBe(3)
        await ts().deleteSeries([freshDatastream()]) // none there: no error
      })
    })

    describe('a Datastream without data', () => {
      it('has an empty range, no latest point and no buckets', async () => {
        const ds = freshDatastream()
        expect(await ts().range(ds, everything)).toEqual({ items: [], count: 0 })
        expect((await ts().latest([ds])).size).toBe(0)
        expect(await ts().aggregate(ds, { from: at(0), to: at(DAY), intervalMs: HOUR, fn: 'avg' })).toEqual(
          [],
        )
      })
    })

    describe('engine health', () => {
      it('ping answers ok while the engine runs', async () => {
        expect(await ts().ping()).toEqual({ ok: true })
      })

      it.runIf(opts.unreachable !== undefined)(
        'an unreachable engine: write rejects (retriable) and ping says why',
        async () => {
          const down = await opts.unreachable!()
          try {
            const error = await down.ts.write([point(freshDatastream(), 0, 1)]).then(
              () => null,
              (e: unknown) => e,
            )
            expect(error).toBeInstanceOf(TimeSeriesError)
            expect((error as TimeSeriesError).retriable).toBe(true)
            const health = await down.ts.ping()
            expect(health.ok).toBe(false)
            expect(health.ok ? '' : health.reason).toMatch(/\w{3}/)
          } finally {
            await down.close?.()
          }
        },
      )
    })
  })
}
