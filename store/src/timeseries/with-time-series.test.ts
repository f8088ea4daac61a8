import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BinaryOperator, Expr, NewObservation, OrderBy } from '@urbantwin/model'
import { openDuckDb } from '../duckdb/duckdb-store.ts'
import type { Store } from '../ports.ts'
import { sampleProvision } from '../testing.ts'
import { createDuckDbTimeSeries } from './duckdb-series.ts'
import { openSeriesIds } from './series-id-blocks.ts'
import { FIRST_SERIES_ID, WINDOW_MS } from './series-ids.ts'
import { withTimeSeries } from './with-time-series.ts'

const at = (min: number, ms = 0) => new Date(Date.UTC(2026, 10, 23, 8, min) + ms).toISOString()

/** A second DuckDB plays the time-series engine, so routing, merging and ids run without a server. */
describe('withTimeSeries: registry in DuckDB, numeric observations in a time-series engine', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  function tempDir() {
    const dir = mkdtempSync(join(tmpdir(), 'ut-with-ts-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true })) // runs last
    return dir
  }

  async function open(dir = tempDir()) {
    const registry = await openDuckDb({ path: join(dir, 'registry.duckdb') })
    const engine = await openDuckDb({ path: join(dir, 'engine.duckdb') })
    const ts = createDuckDbTimeSeries(engine.conn)
    const store = withTimeSeries(registry.store, ts, await openSeriesIds(registry.conn))
    let open = true
    const close = async () => {
      if (!open) return
      open = false
      await store.close()
      await engine.store.close()
    }
    cleanups.push(close)
    return { store, registry: registry.store, ts, dir, close }
  }

  async function provisioned(store: Store) {
    const d = await store.provisionDevice(sampleProvision('c-1'))
    return { fill: d.datastreams.fillingLevel!, temp: d.datastreams.temperature! }
  }

  it('sends plain numbers to the engine and keeps strings, booleans and flagged values in the registry', async () => {
    const { store, registry, ts } = await open()
    const { temp } = await provisioned(store)
    const obs: NewObservation[] = [
      { datastreamId: temp, phenomenonTime: at(1), resultTime: at(1), result: 1.5 },
      { datastreamId: temp, phenomenonTime: at(2), resultTime: at(2), result: 'sensor fault' },
      { datastreamId: temp, phenomenonTime: at(3), resultTime: at(3), result: true },
      { datastreamId: temp, phenomenonTime: at(4), resultTime: at(4), result: 99, resultQuality: 'clamped' },
      { datastreamId: temp, phenomenonTime: at(5), resultTime: at(5, 250), result: 2.5 },
    ]
    expect(await store.appendObservations(obs)).toEqual({ inserted: 5 })
    const inEngine = await ts.range(temp, { limit: 10, offset: 0, order: 'asc' })
    expect(inEngine.items.map((p) => p.result)).toEqual([1.5, 2.5])
    const inRegistry = await registry.observations(temp, { top: 10, skip: 0 })
    expect(inRegistry.items.map((o) => o.result)).toEqual([99, true, 'sensor fault'])

    const page = await store.observations(temp, { top: 3, skip: 1 })
    expect(page.count).toBe(5)
    expect(page.items.map((o) => [o.phenomenonTime, o.result])).toEqual([
      [at(4), 99],
      [at(3), true],
      [at(2), 'sensor fault'],
    ])
    expect(page.items[0]?.resultQuality).toBe('clamped')
    // the registry store's columns would miss what the engine keeps: the API reads records instead
    expect(await registry.observationColumns?.(temp, { top: 10, skip: 0 })).toMatchObject({ count: 3 })
    expect(store.observationColumns).toBeUndefined()
    const newest = (await store.observations(temp, { top: 1, skip: 0 })).items[0]
    expect(newest).toMatchObject({
      datastreamId: temp,
      phenomenonTime: at(5),
      resultTime: at(5, 250),
      result: 2.5,
    })
  })

  it('gives engine-held observations ids that round-trip through observation(id) and stay stable across reopening', async () => {
    const first = await open()
    const { fill } = await provisioned(first.store)
    const times = [at(1), at(1, 1), at(2), new Date(Date.UTC(2027, 5, 1)).toISOString()] // the last is in another window
    await first.store.appendObservations(
      times.map((t, i) => ({ datastreamId: fill, phenomenonTime: t, resultTime: t, result: i })),
    )
    const listed = (await first.store.observations(fill, { top: 10, skip: 0 })).items
    expect(listed.map((o) => o.result)).toEqual([3, 2, 1, 0])
    const ids = listed.map((o) => o.id)
    expect(new Set(ids).size).toBe(4)
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(FIRST_SERIES_ID)
    expect(ids[2]! - ids[3]!).toBe(1) // one millisecond apart in the same window
    expect(Math.floor(ids[0]! / WINDOW_MS)).not.toBe(Math.floor(ids[1]! / WINDOW_MS))
    for (const o of listed) expect(await first.store.observation(o.id)).toEqual(o)

    await first.close()
    const again = await open(first.dir)
    expect((await again.store.observations(fill, { top: 10, skip: 0 })).items.map((o) => o.id)).toEqual(ids)
    expect(await again.store.observation(ids[1]!)).toEqual(listed[1])
  })

  it('answers null for ids it never handed out and keeps registry ids as they are', async () => {
    const { store } = await open()
    const { temp } = await provisioned(store)
    await store.appendObservations([
      { datastreamId: temp, phenomenonTime: at(1), resultTime: at(1), result: 'x' },
    ])
    const kept = (await store.observations(temp, { top: 1, skip: 0 })).items[0]!
    expect(kept.id).toBeLessThan(FIRST_SERIES_ID)
    expect(await store.observation(kept.id)).toEqual(kept)
    expect(await store.observation(FIRST_SERIES_ID + 12345)).toBeNull()
    expect(await store.observation(2 ** 52)).toBeNull()
  })

  it('reports the newest value of a stream key per device from whichever side holds it', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(sampleProvision('c-a'))
    const b = await store.provisionDevice(sampleProvision('c-b'))
    await store.provisionDevice(sampleProvision('c-c'))
    await store.appendObservations([
      { datastreamId: a.datastreams.fillingLevel!, phenomenonTime: at(5), resultTime: at(5), result: 55 },
      {
        datastreamId: a.datastreams.fillingLevel!,
        phenomenonTime: at(4),
        resultTime: at(4),
        result: 'lid open',
      },
      { datastreamId: b.datastreams.fillingLevel!, phenomenonTime: at(1), resultTime: at(1), result: 10 },
      {
        datastreamId: b.datastreams.fillingLevel!,
        phenomenonTime: at(2),
        resultTime: at(2),
        result: 'lid open',
      },
    ])
    const latest = await store.latestOfKind('clothing-container', 'fillingLevel')
    expect(latest.map((l) => [l.deviceId, l.result, l.phenomenonTime])).toEqual([
      ['c-a', 55, at(5)],
      ['c-b', 'lid open', at(2)],
      ['c-c', null, null],
    ])
  })

  it('does not store the non-numeric part when the engine rejects the batch, so a retry is whole', async () => {
    const { store, registry } = await open()
    const { temp } = await provisioned(store)
    const engine = await openDuckDb({ path: ':memory:' })
    cleanups.push(() => engine.store.close())
    const down = {
      ...createDuckDbTimeSeries(engine.conn),
      write: () => Promise.reject(new Error('engine down')),
    }
    const failing = withTimeSeries(registry, down, await openSeriesIds(engine.conn))
    await expect(
      failing.appendObservations([
        { datastreamId: temp, phenomenonTime: at(1), resultTime: at(1), result: 1 },
        { datastreamId: temp, phenomenonTime: at(2), resultTime: at(2), result: 'x' },
      ]),
    ).rejects.toThrow('engine down')
    expect((await registry.observations(temp, { top: 5, skip: 0 })).count).toBe(0)
  })

  it('answers $filter and $orderby on Observations as the embedded store does', async () => {
    const { store } = await open()
    const plain = await openDuckDb({ path: join(tempDir(), 'plain.duckdb') })
    cleanups.push(() => plain.store.close())
    const { temp } = await provisioned(store)
    const same = (await provisioned(plain.store)).temp
    const obs = (ds: number): NewObservation[] => [
      { datastreamId: ds, phenomenonTime: at(1), resultTime: at(1), result: 1.5 },
      { datastreamId: ds, phenomenonTime: at(2), resultTime: at(2), result: 'sensor fault' },
      { datastreamId: ds, phenomenonTime: at(3), resultTime: at(3), result: true },
      { datastreamId: ds, phenomenonTime: at(4), resultTime: at(4), result: 3.25 },
      { datastreamId: ds, phenomenonTime: at(5), resultTime: at(5, 250), result: 2.5 },
    ]
    await store.appendObservations(obs(temp))
    await plain.store.appendObservations(obs(same))
    const prop = (name: string): Expr => ({ kind: 'property', path: [name] })
    const num = (value: number): Expr => ({ kind: 'literal', type: 'number', value })
    const time = (min: number): Expr => ({ kind: 'literal', type: 'datetime', value: at(min) })
    const bin = (op: BinaryOperator, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right })
    const cases: Array<{ filter?: Expr; orderBy?: OrderBy[]; expected: unknown[] }> = [
      { filter: bin('gt', prop('result'), num(2)), expected: [2.5, 3.25] },
      {
        filter: bin(
          'and',
          bin('ge', prop('phenomenonTime'), time(2)),
          bin('lt', prop('phenomenonTime'), time(5)),
        ),
        expected: [3.25, true, 'sensor fault'],
      },
      {
        filter: bin('eq', prop('result'), { kind: 'literal', type: 'string', value: 'sensor fault' }),
        expected: ['sensor fault'],
      },
      {
        filter: bin('gt', time(3), prop('phenomenonTime')),
        orderBy: [{ expr: prop('phenomenonTime'), direction: 'asc' }],
        expected: [1.5, 'sensor fault'],
      },
      {
        orderBy: [{ expr: prop('resultTime'), direction: 'desc' }],
        expected: [2.5, 3.25, true, 'sensor fault', 1.5],
      },
    ]
    for (const c of cases) {
      const q = {
        top: 10,
        skip: 0,
        ...(c.filter ? { filter: c.filter } : {}),
        ...(c.orderBy ? { orderBy: c.orderBy } : {}),
      }
      const viaEngine = await store.observations(temp, q)
      const embedded = await plain.store.observations(same, q)
      expect(viaEngine.items.map((o) => o.result)).toEqual(c.expected)
      expect(embedded.items.map((o) => o.result)).toEqual(c.expected)
      expect(viaEngine.count).toBe(embedded.count)
    }
    const paged = await store.observations(temp, {
      top: 1,
      skip: 1,
      filter: bin('gt', prop('result'), num(0)),
    })
    expect([paged.count, paged.items.map((o) => o.result)]).toEqual([3, [3.25]])
  })
})
