import { describe, expect, it } from 'vitest'
import { sampleProvision } from '../testing.ts'
import { openStore } from './open-store.ts'

describe('openStore with TS_BACKEND=duckdb', () => {
  it('is the embedded store, with its observations table as time-series port', async () => {
    const store = await openStore({ path: ':memory:', timeSeries: { backend: 'duckdb' } })
    try {
      const d = await store.provisionDevice(sampleProvision('c-1'))
      const fill = d.datastreams.fillingLevel!
      const t = '2026-11-23T08:00:00.000Z'
      await store.appendObservations([
        { datastreamId: fill, phenomenonTime: t, resultTime: t, result: 12 },
        { datastreamId: fill, phenomenonTime: '2026-11-23T08:01:00.000Z', resultTime: t, result: 'jammed' },
      ])
      const stored = await store.observations(fill, { top: 5, skip: 0 })
      expect(stored.items.map((o) => o.result)).toEqual(['jammed', 12])
      expect(stored.items[1]?.id).toBe(1) // the registry's own id sequence, as before
      const series = await store.timeSeries.range(fill, { limit: 5, offset: 0, order: 'asc' })
      expect(series.items.map((p) => p.result)).toEqual([12])
      expect(await store.timeSeries.ping()).toEqual({ ok: true })
    } finally {
      await store.close()
    }
  })
})
