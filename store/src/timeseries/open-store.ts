import { openDuckDb, type DuckDbStoreOptions } from '../duckdb/duckdb-store.ts'
import type { Store } from '../ports.ts'
import type { TimeSeriesOptions } from './config.ts'
import { createDuckDbTimeSeries } from './duckdb-series.ts'
import { createInfluxDbTimeSeries } from './influxdb/influxdb.ts'
import type { TimeSeriesStore } from './port.ts'
import { openSeriesIds } from './series-id-blocks.ts'
import { createVictoriaMetricsTimeSeries } from './victoriametrics/victoriametrics.ts'
import { withTimeSeries } from './with-time-series.ts'

/** A store with its time-series port, e.g. for `ping()` in health and for aggregate queries. */
export type StoreWithTimeSeries = Store & { timeSeries: TimeSeriesStore }

export type OpenStoreOptions = DuckDbStoreOptions & { timeSeries: TimeSeriesOptions }

function engineFor(o: Exclude<TimeSeriesOptions, { backend: 'duckdb' }>): TimeSeriesStore {
  return o.backend === 'victoriametrics' ? createVictoriaMetricsTimeSeries(o) : createInfluxDbTimeSeries(o)
}

/**
 * The registry in DuckDB (`path`) and numeric observations where `timeSeries` says. With `duckdb`
 * this is exactly `openDuckDbStore`; otherwise see `withTimeSeries`. Opening does not contact the
 * engine: a TSDB that is down shows in `timeSeries.ping()` and in rejected writes.
 */
export async function openStore(opts: OpenStoreOptions): Promise<StoreWithTimeSeries> {
  const { store, conn, reads } = await openDuckDb({
    path: opts.path,
    ...(opts.threads ? { threads: opts.threads } : {}),
  })
  try {
    if (opts.timeSeries.backend === 'duckdb') {
      return { ...store, timeSeries: createDuckDbTimeSeries(conn, reads) }
    }
    const timeSeries = engineFor(opts.timeSeries)
    return { ...withTimeSeries(store, timeSeries, await openSeriesIds(conn)), timeSeries }
  } catch (err) {
    await store.close()
    throw err
  }
}
