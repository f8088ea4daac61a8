export {
  AGGREGATE_FNS,
  TimeSeriesError,
  type AggregateFn,
  type AggregateQuery,
  type Bucket,
  type Health,
  type RangeQuery,
  type SeriesPoint,
  type TimeSeriesStore,
} from './port.ts'
export { TimeSeriesEnv, timeSeriesOptions, type TimeSeriesOptions } from './config.ts'
export { openStore, type OpenStoreOptions, type StoreWithTimeSeries } from './open-store.ts'
export { isSeriesObservation } from './with-time-series.ts'
export { FIRST_SERIES_ID, isSeriesId } from './series-ids.ts'
export {
  createVictoriaMetricsTimeSeries,
  type VictoriaMetricsOptions,
} from './victoriametrics/victoriametrics.ts'
export { createInfluxDbTimeSeries, type InfluxDbOptions } from './influxdb/influxdb.ts'
export { toLine } from './line-protocol.ts'
