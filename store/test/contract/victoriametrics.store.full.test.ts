import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
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
