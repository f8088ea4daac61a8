import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Expr, PageRequest } from '@urbantwin/model'
import { TimeSeriesError, openStore, type StoreWithTimeSeries } from '../../src/index.ts'
import { sampleProvision } from '../../src/testing.ts'
import { forceFlush, startVictoriaMetrics, type VictoriaMetrics } from '../engines/victoria-metrics.ts'
import { MINUTE, at } from './fixtures.ts'

/** `openStore` with TS_BACKEND=victoriametrics: the registry in DuckDB, numbers in a real VictoriaMetrics. */
describe('openStore on VictoriaMetrics (Debian victoria-metrics)', { timeout: 60_000 }, () => {
  let vm: VictoriaMetrics
  let store: StoreWithTimeSeries
  let dir: string
  beforeAll(async () => {
    vm = await startVictoriaMetrics()
    dir = mkdtempSync(join(tmpdir(), 'ut-store-vm-'))
    store = await openStore({
      path: join(dir, 'urbantwin.duckdb'),
      timeSeries: { backend: 'victoriametrics', url: vm.url, timeoutMs: 2000 },
    })
  }, 60_000)
  afterAll(async () => {
    await store?.close()
    await vm?.stop('SIGKILL')
    vm?.remove()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists numeric observations from the engine and others from DuckDB, with ids that round-trip', async () => {
    const d = await store.provisionDevice(sampleProvision('vm-1'))
    const fill = d.datastreams.fillingLevel!
    await store.appendObservations([
      { datastreamId: fill, phenomenonTime: at(MINUTE), resultTime: at(MINUTE + 5), result: 40 },
      { datastreamId: fill, phenomenonTime: at(2 * MINUTE), resultTime: at(2 * MINUTE), result: 'lid open' },
      { datastreamId: fill, phenomenonTime: at(3 * MINUTE), resultTime: at(3 * MINUTE), result: 45.5 },
    ])
    await forceFlush(vm.url)
    await vi.waitFor(
      async () => expect((await store.observations(fill, { top: 10, skip: 0 })).count).toBe(3),
      {
        timeout: 15_000,
        interval: 100,
      },
    )
    const page = await store.observations(fill, { top: 10, skip: 0 })
    expect(page.items.map((o) => [o.phenomenonTime, o.result])).toEqual([
      [at(3 * MINUTE), 45.5],
      [at(2 * MINUTE), 'lid open'],
      [at(MINUTE), 40],
    ])
    expect(page.items[2]?.resultTime).toBe(at(MINUTE + 5))
    for (const o of page.items) expect(await store.observation(o.id)).toEqual(o)
    const latest = await store.latestOfKind('clothing-container', 'fillingLevel')
    expect(latest.map((l) => [l.deviceId, l.result])).toEqual([['vm-1', 45.5]])
    expect(await store.timeSeries.ping()).toEqual({ ok: true })
  })

  it('serves latest values and aggregates over the engine and DuckDB together', async () => {
    const d = await store.provisionDevice(sampleProvision('vm-agg'))
    const fill = d.datastreams.fillingLevel!
    // two hours at one-minute steps in the engine; one flagged number and a text stay in DuckDB
    const points = Array.from({ length: 120 }, (_, m) => ({
      datastreamId: fill,
      phenomenonTime: at(m * MINUTE),
      resultTime: at(m * MINUTE),
      result: m,
    }))
    await store.appendObservations([
      ...points,
      {
        datastreamId: fill,
        phenomenonTime: at(30 * MINUTE + 30_000),
        resultTime: at(31 * MINUTE),
        result: 1000,
        resultQuality: 'clamped',
      },
      {
        datastreamId: fill,
        phenomenonTime: at(200 * MINUTE),
        resultTime: at(200 * MINUTE),
        result: 'lid open',
      },
    ])
    await forceFlush(vm.url)
    await vi.waitFor(
      async () => {
        const latest = (await store.latestObservations([fill])).get(fill)
        expect(latest?.observation).toMatchObject({ phenomenonTime: at(200 * MINUTE), result: 'lid open' })
      },
      { timeout: 15_000, interval: 200 },
    )
    // when it began: the engine's oldest point; for another stream, an older text kept by DuckDB
    const other = (await store.provisionDevice(sampleProvision('vm-first'))).datastreams.fillingLevel!
    await store.appendObservations([
      { datastreamId: other, phenomenonTime: at(-MINUTE), resultTime: at(0), result: 'installed' },
      { datastreamId: other, phenomenonTime: at(MINUTE), resultTime: at(MINUTE), result: 7 },
    ])
    await forceFlush(vm.url)
    await vi.waitFor(
      async () =>
        expect(Object.fromEntries(await store.firstObservationTimes([fill, other]))).toEqual({
          [fill]: at(0),
          [other]: at(-MINUTE),
        }),
      { timeout: 15_000, interval: 200 },
    )
    const hour = 60 * MINUTE
    const q = { from: at(0), to: at(2 * hour), intervalMs: hour }
    await vi.waitFor(
      async () => expect(await store.aggregateObservations(fill, { ...q, fn: 'count' })).toHaveLength(2),
      { timeout: 15_000, interval: 200 },
    )
    const value = async (fn: 'avg' | 'min' | 'max' | 'sum' | 'count') =>
      (await store.aggregateObservations(fill, { ...q, fn })).map((b) => [b.start, b.value])
    // first hour: 0..59 and the flagged 1000; second hour: 60..119
    expect(await value('count')).toEqual([
      [at(0), 61],
      [at(hour), 60],
    ])
    expect(await value('sum')).toEqual([
      [at(0), 1770 + 1000],
      [at(hour), 5370],
    ])
    expect(await value('max')).toEqual([
      [at(0), 1000],
      [at(hour), 119],
    ])
    expect(await value('min')).toEqual([
      [at(0), 0],
      [at(hour), 60],
    ])
    const avg = await value('avg')
    expect(avg[0]![1]).toBeCloseTo(2770 / 61, 9)
    expect(avg[1]![1]).toBeCloseTo(89.5, 9)
  })

  it('answers $filter and $orderby on Observations over the engine and DuckDB together', async () => {
    const d = await store.provisionDevice(sampleProvision('vm-q'))
    const fill = d.datastreams.fillingLevel!
    await store.appendObservations([
      { datastreamId: fill, phenomenonTime: at(MINUTE), resultTime: at(MINUTE), result: 40 },
      { datastreamId: fill, phenomenonTime: at(2 * MINUTE), resultTime: at(2 * MINUTE), result: 'lid open' },
      { datastreamId: fill, phenomenonTime: at(3 * MINUTE), resultTime: at(3 * MINUTE), result: 45.5 },
      { datastreamId: fill, phenomenonTime: at(4 * MINUTE), resultTime: at(4 * MINUTE), result: 12 },
    ])
    await forceFlush(vm.url)
    await vi.waitFor(
      async () => expect((await store.observations(fill, { top: 10, skip: 0 })).count).toBe(4),
      { timeout: 15_000, interval: 100 },
    )
    const prop = (name: string): Expr => ({ kind: 'property', path: [name] })
    const results = async (page: Omit<PageRequest, 'top' | 'skip'>) =>
      (await store.observations(fill, { top: 10, skip: 0, ...page })).items.map((o) => o.result)
    expect(
      await results({
        filter: {
          kind: 'binary',
          op: 'gt',
          left: prop('result'),
          right: { kind: 'literal', type: 'number', value: 20 },
        },
      }),
    ).toEqual([45.5, 40])
    const window: Expr = {
      kind: 'binary',
      op: 'and',
      left: {
        kind: 'binary',
        op: 'ge',
        left: prop('phenomenonTime'),
        right: { kind: 'literal', type: 'datetime', value: at(2 * MINUTE) },
      },
      right: {
        kind: 'binary',
        op: 'lt',
        left: prop('phenomenonTime'),
        right: { kind: 'literal', type: 'datetime', value: at(4 * MINUTE) },
      },
    }
    expect(await results({ filter: window })).toEqual([45.5, 'lid open'])
    expect(await results({ orderBy: [{ expr: prop('phenomenonTime'), direction: 'asc' }] })).toEqual([
      40,
      'lid open',
      45.5,
      12,
    ])
  })

  it('rejects numeric observations while VictoriaMetrics is down but keeps accepting the rest', async () => {
    const d = await store.provisionDevice(sampleProvision('vm-2'))
    const temp = d.datastreams.temperature!
    await vm.stop('SIGKILL')
    await expect(
      store.appendObservations([
        { datastreamId: temp, phenomenonTime: at(MINUTE), resultTime: at(MINUTE), result: 3 },
      ]),
    ).rejects.toBeInstanceOf(TimeSeriesError)
    expect(
      await store.appendObservations([
        { datastreamId: temp, phenomenonTime: at(MINUTE), resultTime: at(MINUTE), result: 'ok' },
      ]),
    ).toEqual({ inserted: 1 })
    expect((await store.timeSeries.ping()).ok).toBe(false)
  })
})
