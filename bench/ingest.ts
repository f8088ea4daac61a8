/**
 * `npm run bench:ingest`: MQTT QoS 1 → WAL → ingest → store, end to end through `npm start`'s process,
 * against a direct bulk write of the same observations into the same store (the peer), with and
 * without the WAL's fsync, plus publish → queryable latency at half the sustained rate. Once on the
 * embedded DuckDB store, once on VictoriaMetrics (Debian's `victoria-metrics`; `--backends duckdb`
 * skips it).
 * Loopback only; bounded counts; every process it starts is stopped by PID.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import mqtt from 'mqtt'
import { clothingContainer } from '@urbantwin/devices'
import { openStore, type TimeSeriesOptions } from '@urbantwin/store'
import { startVictoriaMetrics, type VictoriaMetrics } from '@urbantwin/store/test-engines'
import { sampleProvision } from '@urbantwin/store/testing'
import { runLoad } from '@urbantwin/simulators'
import {
  GATEWAY_USER,
  NO_SIMULATION,
  health,
  registerContainer,
  registerContainers,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
} from '@urbantwin/test'
import { cpuOf, diffCpu } from './cpu.ts'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    publishers: { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'duckdb,victoriametrics' },
    runs: { type: 'string', default: '3' },
  },
})
const MESSAGES = Math.min(500_000, Number(values.messages))
const PUBLISHERS = Math.min(5000, Number(values.publishers))
/** Each configuration runs this often, interleaved; tables show medians (and the range). */
const RUNS = Math.max(1, Math.min(10, Number(values.runs)))
const OBS_PER_MESSAGE = 6 // distance, fillingLevel, temperature, batteryLevel, tiltAngle, status
const BASE = Date.UTC(2026, 0, 1)
const QUIET = { ...NO_SIMULATION, LOG_LEVEL: 'warn' }

/**
 * A native container reading with every field, pretty-printed as some gateways forward it (~180 B);
 * the time makes every message of a device a distinct observation.
 */
const payload = (_device: string, seq: number) =>
  JSON.stringify(
    {
      time: new Date(BASE + seq * 60_000).toISOString(),
      distanceMm: 400 + (seq % 1400),
      temperature: 9.5 + (seq % 7) / 10,
      batteryLevel: 0.8731,
      tiltAngle: 2.25,
      status: 'ok',
    },
    null,
    4,
  )
const deviceId = (i: number) => `bench-${String(i).padStart(5, '0')}`

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!

type Backend = {
  name: string
  /** Platform environment for this backend (a fresh engine per run). */
  start(): Promise<{
    env: Record<string, string>
    options: TimeSeriesOptions
    /** The engine's own process (a TSDB), whose CPU counts too. */
    pid?: number
    stop(): Promise<void>
  }>
}

async function endToEnd(backend: Backend, fsync: boolean) {
  const tmp = tempDataDir()
  const engine = await backend.start()
  const p = await startPlatformProcess({
    dataDir: tmp.dir,
    env: { ...QUIET, ...engine.env, WAL_FSYNC: String(fsync) },
  })
  try {
    await registerContainers(
      p,
      Array.from({ length: PUBLISHERS }, (_, i) => deviceId(i)),
    )
    const password = secretsOf(p).simulatorPassword
    const before = (await health(p)).ingest.stored
    const pid = p.child.pid!
    const cpu0 = {
      platform: cpuOf(pid),
      publisher: cpuOf(process.pid),
      engine: engine.pid ? cpuOf(engine.pid).totalMs : 0,
    }
    const t0 = performance.now()
    const report = await runLoad({
      url: `mqtt://127.0.0.1:${p.mqttPort}`,
      devices: PUBLISHERS,
      connections: PUBLISHERS,
      qos: 1,
      messages: MESSAGES,
      rate: 0,
      username: GATEWAY_USER,
      password,
      deviceId,
      topic: (d) => `urbantwin/v1/devices/${d}/up`,
      payload,
    })
    const acked = performance.now()
    for (;;) {
      const h = await health(p)
      // consumed, not checkpointed: with a TSDB the checkpoint lags by WAL_COMMIT_LAG_MS on purpose
      if (
        h.ingest.stored - before >= report.acked * OBS_PER_MESSAGE &&
        h.consumer.consumedSeq === h.wal.lastSeq
      )
        break
      if (performance.now() - acked > 120_000)
        throw new Error(`not stored after 120 s: ${JSON.stringify(h.ingest)}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const stored = performance.now()
    const platformCpu = diffCpu(cpu0.platform, cpuOf(pid))
    const publisherCpu = diffCpu(cpu0.publisher, cpuOf(process.pid)).totalMs
    const engineCpu = engine.pid ? cpuOf(engine.pid).totalMs - cpu0.engine : 0
    // sustained rate: from the first PUBLISH (after all publishers connected) to stored & queryable
    const start = t0 + report.connectMs
    const rate = report.acked / ((stored - start) / 1000)
    const latency = await probeLatency(p, password, rate / 2)
    const quarantined = (await health(p)).ingest.quarantined
    return {
      rate,
      ackRate: report.acked / ((acked - start) / 1000),
      connectMs: report.connectMs,
      acked: report.acked,
      errors: report.errors,
      latency,
      quarantined,
      elapsedMs: stored - t0,
      cpu: { platform: platformCpu, publisher: publisherCpu, engine: engineCpu },
      slowWrites: p.logs.filter((l) => l.msg === 'slow store write').map((l) => Number(l.ms)),
    }
  } finally {
    await p.stop()
    await engine.stop()
    tmp.remove()
  }
}

/** Background load at `rate` msgs/s; meanwhile probes time publish → visible in the SensorThings API. */
async function probeLatency(
  p: Awaited<ReturnType<typeof startPlatformProcess>>,
  password: string,
  rate: number,
) {
  const probe = await registerContainer(p, 'bench-probe')
  const background = runLoad({
    url: `mqtt://127.0.0.1:${p.mqttPort}`,
    devices: PUBLISHERS,
    connections: Math.min(PUBLISHERS, 200),
    qos: 1,
    rate,
    durationMs: 15_000,
    username: GATEWAY_USER,
    password,
    deviceId,
    topic: (d) => `urbantwin/v1/devices/${d}/up`,
    // 69 days on: new observations, still in the past (a future time would be quarantined)
    payload: (d, seq) => payload(d, seq + 100_000),
  })
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p.mqttPort}`, {
    username: GATEWAY_USER,
    password,
    reconnectPeriod: 0,
  })
  const samples: number[] = []
  let firstOfNewSeries = NaN
  const fill = probe.datastreams.fillingLevel!
  // probe 0 is the new device's first reading: a TSDB indexes a new series first, so it is reported apart
  for (let i = 0; i <= 40; i++) {
    const time = new Date(BASE + i * 60_000).toISOString()
    const t0 = performance.now()
    await c.publishAsync('urbantwin/v1/devices/bench-probe/up', JSON.stringify({ time, fillingLevel: 0.5 }), {
      qos: 1,
    })
    for (;;) {
      const body = (await (
        await fetch(`${p.base}/v1.1/Datastreams(${fill})/Observations?$top=1`)
      ).json()) as { value: { phenomenonTime: string }[] }
      if (body.value[0]?.phenomenonTime === time) break
      await new Promise((r) => setTimeout(r, 5))
    }
    if (i === 0) firstOfNewSeries = performance.now() - t0
    else samples.push(performance.now() - t0)
    await new Promise((r) => setTimeout(r, 250))
  }
  await c.endAsync()
  await background
  return {
    samples,
    p99: pct(samples, 0.99),
    firstOfNewSeries,
  }
}

/** The peer: the same observations written straight into the same store in batches of 500 messages. */
async function directWrite(backend: Backend) {
  const dir = mkdtempSync(join(tmpdir(), 'ut-bench-direct-'))
  const engine = await backend.start()
  const store = await openStore({ path: join(dir, 'direct.duckdb'), timeSeries: engine.options })
  try {
    const streams: number[][] = []
    for (let i = 0; i < PUBLISHERS; i++) {
      const d = await store.provisionDevice({
        ...sampleProvision(deviceId(i)),
        datastreams: clothingContainer.datastreams,
      })
      streams.push(
        ['distance', 'fillingLevel', 'temperature', 'batteryLevel', 'tiltAngle'].map(
          (k) => d.datastreams[k]!,
        ),
      )
    }
    const cpu0 = { own: cpuOf(process.pid), engine: engine.pid ? cpuOf(engine.pid).totalMs : 0 }
    const t0 = performance.now()
    for (let m = 0; m < MESSAGES; m += 500) {
      const batch = []
      for (let k = m; k < Math.min(MESSAGES, m + 500); k++) {
        const seq = Math.floor(k / PUBLISHERS) + 1
        const t = new Date(BASE + seq * 60_000).toISOString()
        for (const ds of streams[k % PUBLISHERS]!)
          batch.push({ datastreamId: ds, phenomenonTime: t, resultTime: t, result: seq })
      }
      await store.appendObservations(batch)
    }
    const elapsedMs = performance.now() - t0
    const own = diffCpu(cpu0.own, cpuOf(process.pid))
    return {
      rate: MESSAGES / (elapsedMs / 1000),
      cpu: { ...own, engineMs: engine.pid ? cpuOf(engine.pid).totalMs - cpu0.engine : 0 },
    }
  } finally {
    await store.close()
    await engine.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const duckdb: Backend = {
  name: 'DuckDB',
  start: () => Promise.resolve({ env: {}, options: { backend: 'duckdb' }, stop: () => Promise.resolve() }),
}
const victoriaMetrics: Backend = {
  name: 'VictoriaMetrics',
  async start() {
    const vm: VictoriaMetrics = await startVictoriaMetrics()
    return {
      env: { TS_BACKEND: 'victoriametrics', TS_URL: vm.url },
      options: { backend: 'victoriametrics', url: vm.url, timeoutMs: 10_000 },
      pid: vm.pid,
      async stop() {
        await vm.stop()
        vm.remove()
      },
    }
  },
}
const chosen = values.backends.split(',').map((b) => b.trim())
const backends = [duckdb, victoriaMetrics].filter((b) => chosen.includes(b.name.toLowerCase()))
const f = (x: number) => Math.round(x).toLocaleString('en-US')
const median = (xs: number[]) => pct(xs, 0.5)
/** Median, and the range when there were several runs. */
const mr = (xs: number[], fmt: (x: number) => string = f) =>
  xs.length > 1 ? `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : fmt(xs[0]!)
const report: string[] = []
const out = (line = '') => {
  report.push(line)
  console.log(line)
}
type EndToEnd = Awaited<ReturnType<typeof endToEnd>>
for (const backend of backends) {
  const peers: Awaited<ReturnType<typeof directWrite>>[] = []
  const withWal: EndToEnd[] = []
  const noFsync: EndToEnd[] = []
  for (let run = 0; run < RUNS; run++) {
    peers.push(await directWrite(backend))
    withWal.push(await endToEnd(backend, true))
    noFsync.push(await endToEnd(backend, false))
    console.error(`${backend.name}: run ${run + 1} of ${RUNS} done`)
  }
  const direct = median(peers.map((p) => p.rate))
  const configs = [
    [`MQTT → WAL (fsync) → ingest → ${backend.name}`, 'WAL with fsync', withWal],
    ['same, WAL without fsync (benchmark only)', 'WAL without fsync', noFsync],
  ] as const
  out(
    `\nIngest, ${backend.name} backend: ${f(MESSAGES)} QoS 1 messages (${payload('x', 1).length} B JSON, ${OBS_PER_MESSAGE} observations each) from ${f(PUBLISHERS)} publishers, ${process.platform} ${process.arch}; ${RUNS} run(s) each, median (min–max)\n`,
  )
  out('| path | msgs/s stored & queryable | obs/s | acked msgs/s | × direct write |')
  out('|---|---:|---:|---:|---:|')
  out(
    `| peer: direct bulk write into ${backend.name} (500 msgs per batch) | ${mr(peers.map((p) => p.rate))} | ${f(direct * OBS_PER_MESSAGE)} | – | 1.00 |`,
  )
  for (const [name, , runs] of configs) {
    const rates = runs.map((r) => r.rate)
    out(
      `| ${name} | ${mr(rates)} | ${f(median(rates) * OBS_PER_MESSAGE)} | ${mr(runs.map((r) => r.ackRate))} | ${mr(
        rates.map((r) => r / direct),
        (x) => x.toFixed(2),
      )} |`,
    )
  }
  const walCost = withWal.map((r, i) => (1 - r.rate / noFsync[i]!.rate) * 100)
  out(
    `\nWAL cost (fsync vs none, run by run): ${walCost.map((c) => `${c.toFixed(0)} %`).join(', ')} of the end-to-end rate; connecting ${f(PUBLISHERS)} publishers took ${mr(withWal.map((r) => r.connectMs))} ms (not counted in rates, counted in CPU)`,
  )
  const perK = (ms: number, msgs: number) => (ms / msgs) * 1000
  const g = (x: number) => x.toFixed(0)
  out(
    '\n| CPU ms per 1,000 msgs (median) | store/platform process (its main thread) | publisher | engine | total | rate if both cores were busy |',
  )
  out('|---|---:|---:|---:|---:|---:|')
  const peerTotal = peers.map((p) => perK(p.cpu.totalMs + p.cpu.engineMs, MESSAGES))
  out(
    `| peer | ${g(median(peers.map((p) => perK(p.cpu.totalMs, MESSAGES))))} (${g(median(peers.map((p) => perK(p.cpu.mainThreadMs, MESSAGES))))}) | – | ${g(median(peers.map((p) => perK(p.cpu.engineMs, MESSAGES))))} | ${g(median(peerTotal))} | ${f(2_000_000 / median(peerTotal))} |`,
  )
  for (const [, name, runs] of configs) {
    const m = (pick: (r: EndToEnd) => number) => median(runs.map((r) => perK(pick(r), r.acked)))
    const total = m((r) => r.cpu.platform.totalMs + r.cpu.publisher + r.cpu.engine)
    out(
      `| end to end, ${name} | ${g(m((r) => r.cpu.platform.totalMs))} (${g(m((r) => r.cpu.platform.mainThreadMs))}) | ${g(m((r) => r.cpu.publisher))} | ${g(m((r) => r.cpu.engine))} | ${g(total)} | ${f(2_000_000 / total)} |`,
    )
  }
  out(
    `\n| publish → queryable at half the sustained rate, ${40 * RUNS} probes | p50 ms | p99 ms | p99 per run, ms | first reading of a new device, ms (per run) |`,
  )
  out('|---|---:|---:|---:|---:|')
  for (const [, name, runs] of configs) {
    const all = runs.flatMap((r) => r.latency.samples)
    out(
      `| ${name} (${f(median(runs.map((r) => r.rate)) / 2)} msgs/s background) | ${g(pct(all, 0.5))} | ${g(pct(all, 0.99))} | ${runs.map((r) => g(r.latency.p99)).join(', ')} | ${runs.map((r) => g(r.latency.firstOfNewSeries)).join(', ')} |`,
    )
  }
  const slow = [...withWal, ...noFsync].flatMap((r) => r.slowWrites)
  out(`\nstore writes ≥ 1 s: ${slow.length ? slow.map((ms) => `${f(ms)} ms`).join(', ') : 'none'}`)
  const all = [...withWal, ...noFsync]
  out(
    `quarantined: ${all.reduce((n, r) => n + r.quarantined, 0)}; errors: ${all.reduce((n, r) => n + r.errors, 0)}; acked ${all.map((r) => f(r.acked)).join(', ')} of ${f(MESSAGES)} each`,
  )
}
if (backends.length > 1) console.log(`\n---- all tables ----\n${report.join('\n')}`)
