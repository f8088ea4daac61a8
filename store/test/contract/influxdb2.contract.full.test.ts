import { describe, it } from 'vitest'
import { createInfluxDbTimeSeries } from '../../src/index.ts'
import { freePort } from '../engines/process.ts'
import { timeSeriesContract } from './timeseries.contract.ts'

/**
 * Opt-in: a real InfluxDB 2.x/3.x that you run (not in Debian), written through `/api/v2/write`
 * and read with InfluxQL through its v1-compatible `/query`. Set INFLUX_URL, INFLUX_TOKEN,
 * INFLUX_ORG (2.x), INFLUX_BUCKET (a bucket whose retention keeps a week; 2.x maps it as InfluxQL
 * database by DBRP) and, if that mapping has another name, INFLUX_DATABASE. Each run uses fresh
 * Datastream ids, so it can share a bucket with earlier runs.
 */
const env = process.env
const url = env.INFLUX_URL

if (url === undefined || url === '') {
  describe('TimeSeriesStore contract: InfluxDB 2.x/3.x (opt-in)', () => {
    it.skip('needs INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET', () => {})
  })
} else {
  const options = {
    url,
    bucket: env.INFLUX_BUCKET ?? 'urbantwin',
    ...(env.INFLUX_TOKEN ? { token: env.INFLUX_TOKEN } : {}),
    ...(env.INFLUX_ORG ? { org: env.INFLUX_ORG } : {}),
    ...(env.INFLUX_DATABASE ? { database: env.INFLUX_DATABASE } : {}),
    timeoutMs: 10_000,
  }
  timeSeriesContract(
    `InfluxDB 2.x/3.x at ${url}`,
    async () => ({ ts: createInfluxDbTimeSeries(options), close: async () => {} }),
    {
      unreachable: async () => ({
        ts: createInfluxDbTimeSeries({
          ...options,
          url: `http://127.0.0.1:${await freePort()}`,
          timeoutMs: 2000,
        }),
      }),
      visibleWithinMs: 30_000,
    },
  )
}
