import { createVictoriaMetricsTimeSeries } from '../../src/index.ts'
import { freePort } from '../engines/process.ts'
import { forceFlush, startVictoriaMetrics } from '../engines/victoria-metrics.ts'
import { timeSeriesContract } from './timeseries.contract.ts'

/** Debian's victoria-metrics, written through /api/v2/write by influxdb-client, read by export and MetricsQL. */
timeSeriesContract(
  'VictoriaMetrics (Debian victoria-metrics)',
  async () => {
    const vm = await startVictoriaMetrics()
    return {
      ts: createVictoriaMetricsTimeSeries({ url: vm.url, timeoutMs: 5000 }),
      settle: () => forceFlush(vm.url),
      close: async () => {
        await vm.stop()
        vm.remove()
      },
    }
  },
  {
    unreachable: async () => ({
      ts: createVictoriaMetricsTimeSeries({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000 }),
    }),
  },
)
