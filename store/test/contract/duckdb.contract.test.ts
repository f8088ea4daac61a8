import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDuckDb } from '../../src/duckdb/duckdb-store.ts'
import { createDuckDbTimeSeries } from '../../src/timeseries/duckdb-series.ts'
import { timeSeriesContract } from './timeseries.contract.ts'

/** The embedded adapter over a DuckDB file in a temp dir (runs in `npm test`). */
async function openOnDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'ut-ts-duckdb-'))
  const { store, conn } = await openDuckDb({ path: join(dir, 'urbantwin.duckdb') })
  const close = async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { ts: createDuckDbTimeSeries(conn), close }
}

timeSeriesContract('DuckDB (embedded, observations table)', openOnDisk, {
  // "Unreachable" for an embedded engine: its database was closed underneath the adapter.
  unreachable: async () => {
    const { ts, close } = await openOnDisk()
    await close()
    return { ts }
  },
})
