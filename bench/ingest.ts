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

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    publishers: { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'duckdb,victoriametrics' },
  },
})
const MESSAGES = Math.min(500_000, Number(values.messages))
const PUBLISHERS = Math.min(5000, Number(values.publishers))
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
  start(): Promise<{ env: Record<string, string>; options: TimeSeriesOptions; stop(): Promise<void> }>
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
    p50: pct(samples, 0.5),
    p99: pct(samples, 0.99),
    max: Math.max(...samples),
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
    return MESSAGES / ((performance.now() - t0) / 1000)
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
const report: string[] = []
const out = (line = '') => {
  report.push(line)
  console.log(line)
}
for (const backend of backends) {
  const direct = await directWrite(backend)
  const withWal = await endToEnd(backend, true)
  const noFsync = await endToEnd(backend, false)
  out(
    `\nIngest, ${backend.name} backend: ${f(MESSAGES)} QoS 1 messages (${payload('x', 1).length} B JSON, ${OBS_PER_MESSAGE} observations each) from ${f(PUBLISHERS)} publishers, ${process.platform} ${process.arch}\n`,
  )
  out('| path | msgs/s stored & queryable | obs/s | acked msgs/s | × direct write |')
  out('|---|---:|---:|---:|---:|')
  out(
    `| peer: direct bulk write into ${backend.name} (500 msgs per batch) | ${f(direct)} | ${f(direct * OBS_PER_MESSAGE)} | – | 1.00 |`,
  )
  for (const [name, r] of [
    [`MQTT → WAL (fsync) → ingest → ${backend.name}`, withWal],
    ['same, WAL without fsync (benchmark only)', noFsync],
  ] as const) {
    out(
      `| ${name} | ${f(r.rate)} | ${f(r.rate * OBS_PER_MESSAGE)} | ${f(r.ackRate)} | ${(r.rate / direct).toFixed(2)} |`,
    )
  }
  out(
    `\nWAL cost (fsync vs none): ${((1 - withWal.rate / noFsync.rate) * 100).toFixed(0)} % of the end-to-end rate; connecting ${f(PUBLISHERS)} publishers took ${f(withWal.connectMs)} ms (not counted)`,
  )
  out(
    '\n| publish → queryable at half the sustained rate, 40 probes | p50 ms | p99 ms | max ms | first reading of a new device, ms |',
  )
  out('|---|---:|---:|---:|---:|')
  for (const [name, r] of [
    ['WAL with fsync', withWal],
    ['WAL without fsync', noFsync],
  ] as const) {
    out(
      `| ${name} (${f(r.rate / 2)} msgs/s background) | ${r.latency.p50.toFixed(0)} | ${r.latency.p99.toFixed(0)} | ${r.latency.max.toFixed(0)} | ${r.latency.firstOfNewSeries.toFixed(0)} |`,
    )
  }
  out(
    `\nstore writes ≥ 1 s: ${[withWal, noFsync].map((r) => (r.slowWrites.length ? r.slowWrites.map((ms) => `${f(ms)} ms`).join(', ') : 'none')).join(' / ')}`,
  )
  out(
    `quarantined: ${withWal.quarantined + noFsync.quarantined}; errors: ${withWal.errors + noFsync.errors}; acked ${f(withWal.acked)} and ${f(noFsync.acked)} of ${f(MESSAGES)}`,
  )
}
if (backends.length > 1) console.log(`\n---- all tables ----\n${report.join('\n')}`)
