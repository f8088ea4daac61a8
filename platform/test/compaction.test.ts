import { describe, expect, it, vi } from 'vitest'
import { openDuckDbStore } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import type { Logger } from '@urbantwin/model'
import { KEEP_RECENT_MS, scheduleCompaction, startOfUtcDay } from '../src/compaction.ts'

const DAY = 86_400_000

describe('scheduled compaction of past days (real DuckDB)', () => {
  it('moves what lies before today (UTC) and logs it; stop waits for a run', async () => {
    const store = await openDuckDbStore({ path: ':memory:' })
    const d = await store.provisionDevice(sampleProvision('c-1'))
    const now = Date.UTC(2026, 10, 23, 15, 30)
    const at = (ms: number) => new Date(ms).toISOString()
    const fill = d.datastreams.fillingLevel!
    // two of yesterday, one of today
    await store.appendObservations(
      [now - DAY, now - DAY + 60_000, now - 60_000].map((ms, i) => ({
        datastreamId: fill,
        phenomenonTime: at(ms),
        resultTime: at(ms),
        result: i,
      })),
    )
    const before = await store.observations(fill, { top: 10, skip: 0 })
    const lines: unknown[][] = []
    const log = {
      info: (...a: unknown[]) => lines.push(a),
      warn: (...a: unknown[]) => lines.push(a),
    } as unknown as Logger
    const spy = vi.spyOn(store, 'compactObservations')
    const stop = scheduleCompaction({ store, everyMs: 3_600_000, log, firstAfterMs: 0, now: () => now })
    await vi.waitFor(() => expect(lines).toHaveLength(1))
    expect(spy).toHaveBeenCalledWith(startOfUtcDay(now))
    expect(lines[0]![0]).toMatchObject({ moved: 2 })
    expect(lines[0]![1]).toBe('observations compacted')
    expect(await store.observations(fill, { top: 10, skip: 0 })).toEqual(before)
    await stop()
    await store.close()
  })

  it('moves all but the last seconds once the recent table holds minRows, and only past days before', async () => {
    const store = await openDuckDbStore({ path: ':memory:' })
    const d = await store.provisionDevice(sampleProvision('c-1'))
    const fill = d.datastreams.fillingLevel!
    const now = Date.UTC(2026, 10, 23, 15, 30)
    const at = (ms: number) => new Date(ms).toISOString()
    const append = (minutesAgo: number[]) =>
      store.appendObservations(
        minutesAgo.map((m) => ({
          datastreamId: fill,
          phenomenonTime: at(now - m * 60_000),
          resultTime: at(now - m * 60_000),
          result: m,
        })),
      )
    const lines: unknown[][] = []
    const log = { info: (...a: unknown[]) => lines.push(a), warn: (...a: unknown[]) => lines.push(a) } as unknown as Logger
    const spy = vi.spyOn(store, 'compactObservations')
    await append([5, 4, 3])
    // three recent rows, minRows four: today's rows stay
    let stop = scheduleCompaction({ store, everyMs: 3_600_000, minRows: 4, log, firstAfterMs: 0, now: () => now })
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1))
    await stop()
    expect(spy).toHaveBeenLastCalledWith(startOfUtcDay(now))
    expect(await store.recentObservations()).toBe(3)
    // four or more: all but the last seconds move, the newest row stays recent
    await append([2, KEEP_RECENT_MS / 120_000])
    stop = scheduleCompaction({ store, everyMs: 3_600_000, minRows: 4, log, firstAfterMs: 0, now: () => now })
    await vi.waitFor(() => expect(lines).toHaveLength(1))
    await stop()
    expect(spy).toHaveBeenLastCalledWith(now - KEEP_RECENT_MS)
    expect(lines[0]![0]).toMatchObject({ moved: 4 })
    expect(await store.recentObservations()).toBe(1)
    const all = await store.observations(fill, { top: 10, skip: 0 })
    expect(all.items.map((o) => o.result)).toEqual([KEEP_RECENT_MS / 120_000, 2, 3, 4, 5])
    await store.close()
  })

  it('logs a failed run as a warning and keeps the schedule', async () => {
    const lines: unknown[][] = []
    const log = {
      info: (...a: unknown[]) => lines.push(a),
      warn: (...a: unknown[]) => lines.push(a),
    } as unknown as Logger
    let calls = 0
    const stop = scheduleCompaction({
      store: {
        recentObservations: () => Promise.resolve(0),
        compactObservations: () =>
          ++calls === 1 ? Promise.reject(new Error('disk full')) : Promise.resolve({ moved: 1 }),
      },
      everyMs: 20,
      log,
      firstAfterMs: 0,
    })
    await vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(2))
    await stop()
    expect(lines[0]![1]).toMatch(/compaction failed/)
    expect(lines[1]![1]).toBe('observations compacted')
  })
})
