import { createInfluxDbTimeSeries, toLine } from '../../src/index.ts'
import { freePort } from '../engines/process.ts'
import { startInfluxDb1 } from '../engines/influxdb1.ts'
import { timeSeriesContract } from './timeseries.contract.ts'

/**
 * Debian's InfluxDB 1.6.7 tests the InfluxQL read path. It has no `/api/v2/write`, so the suite seeds
 * through v1 `/write` with the adapter's own line protocol; the v2 writer is tested against
 * VictoriaMetrics and, opt-in, InfluxDB 2.x/3.x.
 */
timeSeriesContract(
  'InfluxDB 1.6 (Debian influxdb): InfluxQL reads, v1 /write seeds',
  async () => {
    const influx = await startInfluxDb1()
    return {
      ts: createInfluxDbTimeSeries({ url: influx.url, bucket: influx.database, timeoutMs: 5000 }),
      seed: (points) => influx.writeV1(points.map(toLine)),
      close: async () => {
        await influx.stop()
        influx.remove()
      },
    }
  },
  {
    unreachable: async () => ({
      ts: createInfluxDbTimeSeries({
        url: `http://127.0.0.1:${await freePort()}`,
        bucket: 'urbantwin',
        timeoutMs: 2000,
      }),
    }),
  },
)
