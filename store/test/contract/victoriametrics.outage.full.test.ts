import { afterEach, describe, expect, it, vi } from 'vitest'
import { TimeSeriesError, createVictoriaMetricsTimeSeries, type TimeSeriesStore } from '../../src/index.ts'
import { forceFlush, startVictoriaMetrics, type VictoriaMetrics } from '../engines/victoria-metrics.ts'
import { HOUR, MINUTE, at, freshDatastream, point } from './fixtures.ts'

const TIMEOUT_MS = 1500

/** What ingest relies on when the TSDB goes away: writes fail fast, and replaying the WAL makes it whole. */
describe('VictoriaMetrics outage (Debian victoria-metrics)', { timeout: 90_000 }, () => {
  const engines: VictoriaMetrics[] = []
  afterEach(async () => {
    for (const vm of engines.splice(0)) {
      await vm.stop('SIGKILL')
      vm.remove()
    }
  })
  async function start(at: Parameters<typeof startVictoriaMetrics>[0] = {}) {
    const vm = await startVictoriaMetrics(at)
    engines.push(vm)
    return vm
  }
  const count = async (ts: TimeSeriesStore, ds: number) =>
    (await ts.aggregate(ds, { from: at(0), to: at(HOUR), intervalMs: HOUR, fn: 'count' }))[0]?.value ?? 0
  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e,
    )

  it('rejects writes while the engine is down, then catches up from a replay without duplicates', async () => {
    const vm = await start()
    const ts = createVictoriaMetricsTimeSeries({ url: vm.url, timeoutMs: TIMEOUT_MS })
    const ds = freshDatastream()
    const before = [1, 2, 3].map((i) => point(ds, i * MINUTE, i))
    const during = [4, 5].map((i) => point(ds, i * MINUTE, i))
    await ts.write(before)

    await vm.stop('SIGKILL') // a crash: VictoriaMetrics may lose the last seconds it acknowledged
    const started = Date.now()
    const error = await rejection(ts.write(during))
    expect(error).toBeInstanceOf(TimeSeriesError)
    expect((error as TimeSeriesError).retriable).toBe(true)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000)
    const health = await ts.ping()
    expect(health.ok ? '' : health.reason).toMatch(/VictoriaMetrics unreachable/)

    const back = await start({ dir: vm.dir, port: vm.port })
    await vi.waitFor(async () => expect(await ts.ping()).toEqual({ ok: true }), { timeout: 10_000 })
    await ts.write([...before, ...during]) // the WAL replays everything since its last checkpoint
    await ts.write([...before, ...during]) // and maybe again after another failure
    await forceFlush(back.url)
    await vi.waitFor(async () => expect(await count(ts, ds)).toBe(5), { timeout: 15_000, interval: 100 })
    expect((await ts.range(ds, { limit: 10, offset: 0, order: 'asc' })).items.map((p) => p.result)).toEqual([
      1, 2, 3, 4, 5,
    ])
  })

  it('rejects within the timeout when the engine hangs (no response at all)', async () => {
    const vm = await start()
    const ts = createVictoriaMetricsTimeSeries({ url: vm.url, timeoutMs: TIMEOUT_MS })
    process.kill(vm.pid, 'SIGSTOP')
    try {
      const started = Date.now()
      const error = await rejection(ts.write([point(freshDatastream(), 0, 1)]))
      expect(error).toBeInstanceOf(TimeSeriesError)
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000)
      expect(await ts.ping()).toEqual({ ok: false, reason: 'VictoriaMetrics unreachable: timed out' })
    } finally {
      process.kill(vm.pid, 'SIGCONT')
    }
  })

  it('needs -dedup.minScrapeInterval=1ms: without it a replay counts twice, and ping says so', async () => {
    const vm = await start({ dedup: false })
    const ts = createVictoriaMetricsTimeSeries({ url: vm.url, timeoutMs: TIMEOUT_MS })
    const ds = freshDatastream()
    const batch = [1, 2].map((i) => point(ds, i * MINUTE, i))
    await ts.write(batch)
    await ts.write(batch)
    await forceFlush(vm.url)
    await vi.waitFor(async () => expect(await count(ts, ds)).toBe(4), { timeout: 15_000, interval: 100 })
    const health = await ts.ping()
    expect(health.ok ? '' : health.reason).toMatch(/-dedup\.minScrapeInterval=1ms/)
  })
})
