/**
 * `npm run bench:outage`: VictoriaMetrics goes away for 10 minutes (SIGKILL, no chance to flush)
 * while 500 containers publish 500 QoS 1 msgs/s through `npm start`'s process. The WAL spools; when
 * the engine is back, how long does the backlog take to drain, and is every acknowledged reading in
 * the engine exactly once? The peer is the publish rate itself: the drain rate is reported as a
 * multiple of it. Loopback only; bounded (`--outage-minutes`, at most 15); stops what it started.
 */
import { parseArgs } from 'node:util'
import { runLoad } from '@urbantwin/simulators'
import { startVictoriaMetrics, forceFlush } from '@urbantwin/store/test-engines'
import {
  GATEWAY_USER,
  NO_SIMULATION,
  health,
  registerContainers,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
} from '@urbantwin/test'

const { values } = parseArgs({
  options: {
    'outage-minutes': { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    devices: { type: 'string', default: '500' },
  },
})
const OUTAGE_MS = Math.min(15, Number(values['outage-minutes'])) * 60_000
const RATE = Math.min(5000, Number(values.rate))
const DEVICES = Math.min(5000, Number(values.devices))
const BEFORE_MS = 30_000
const AFTER_MS = 60_000
const NUMERIC_PER_MESSAGE = 5 // distance, fillingLevel, temperature, batteryLevel, tiltAngle (status stays in DuckDB)
const BASE = Date.UTC(2026, 9, 1)
const deviceId = (i: number) => `outage-${String(i).padStart(5, '0')}`
const f = (x: number) => Math.round(x).toLocaleString('en-US')
const log = (msg: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${msg}`)

let vm = await startVictoriaMetrics()
const tmp = tempDataDir()
const p = await startPlatformProcess({
  dataDir: tmp.dir,
  env: {
    ...NO_SIMULATION,
    LOG_LEVEL: 'error',
    TS_BACKEND: 'victoriametrics',
    TS_URL: vm.url,
    TS_TIMEOUT_MS: '2000',
  },
})
try {
  await registerContainers(
    p,
    Array.from({ length: DEVICES }, (_, i) => deviceId(i)),
  )
  log(`${DEVICES} containers registered; publishing ${RATE} msgs/s`)
  const load = runLoad({
    url: `mqtt://127.0.0.1:${p.mqttPort}`,
    devices: DEVICES,
    connections: Math.min(DEVICES, 100),
    qos: 1,
    rate: RATE,
    durationMs: BEFORE_MS + OUTAGE_MS + AFTER_MS,
    username: GATEWAY_USER,
    password: secretsOf(p).simulatorPassword,
    deviceId,
    topic: (d) => `urbantwin/v1/devices/${d}/up`,
    payload: (_d, seq) =>
      JSON.stringify({
        time: new Date(BASE + seq * 60_000).toISOString(),
        distanceMm: 400 + (seq % 1400),
        temperature: 9.5,
        batteryLevel: 0.87,
        tiltAngle: 2,
        status: 'ok',
      }),
  })
  await new Promise((r) => setTimeout(r, BEFORE_MS))
  const { dir, port } = vm
  await vm.stop('SIGKILL')
  log(`VictoriaMetrics killed for ${OUTAGE_MS / 60_000} min`)
  let peakBacklog = 0
  let peakBytes = 0
  let ackedLate = true
  for (const end = Date.now() + OUTAGE_MS; Date.now() < end;) {
    await new Promise((r) => setTimeout(r, Math.min(10_000, end - Date.now())))
    const h = await health(p)
    const backlog = h.wal.lastSeq - h.consumer.consumedSeq
    peakBacklog = Math.max(peakBacklog, backlog)
    peakBytes = Math.max(peakBytes, h.wal.bytes)
    log(`backlog ${f(backlog)} records, WAL ${f(h.wal.bytes / 1e6)} MB, retries ${h.consumer.retries}`)
  }
  vm = await startVictoriaMetrics({ dir, port })
  const upAt = performance.now()
  const consumedAtUp = (await health(p)).consumer.consumedSeq
  log('VictoriaMetrics back')
  let drainedMs = NaN
  let drainedRecords = 0
  for (;;) {
    const h = await health(p)
    if (h.consumer.storeDownSince === null && h.wal.lastSeq - h.consumer.consumedSeq <= RATE / 2) {
      drainedMs = performance.now() - upAt
      drainedRecords = h.consumer.consumedSeq - consumedAtUp
      break
    }
    if (performance.now() - upAt > AFTER_MS * 5) throw new Error('backlog not drained')
    await new Promise((r) => setTimeout(r, 100))
  }
  log(`drained in ${f(drainedMs)} ms`)
  const report = await load
  ackedLate = report.unacked > 0
  for (;;) {
    const h = await health(p)
    if (h.wal.lastSeq === h.consumer.consumedSeq) break
    await new Promise((r) => setTimeout(r, 100))
  }
  await forceFlush(vm.url)
  const q = new URL(`${vm.url}/api/v1/query`)
  q.searchParams.set('query', 'sum(count_over_time(urbantwin_result[40d]))')
  q.searchParams.set('time', String((BASE + 40 * 86_400_000) / 1000))
  const body = (await (await fetch(q)).json()) as { data: { result: { value: [number, string] }[] } }
  const inEngine = Number(body.data.result[0]?.value[1] ?? 0)
  const expected = report.acked * NUMERIC_PER_MESSAGE
  const drainRate = drainedRecords / (drainedMs / 1000)
  console.log(
    `\nVictoriaMetrics outage: ${OUTAGE_MS / 60_000} min at ${f(RATE)} msgs/s from ${f(DEVICES)} containers (QoS 1), ${process.platform} ${process.arch}\n`,
  )
  console.log('| measure | value |')
  console.log('|---|---:|')
  console.log(`| messages acknowledged (PUBACK) | ${f(report.acked)} |`)
  console.log(`| publishes refused or unacknowledged | ${f(report.unacked + report.errors)} |`)
  console.log(`| numeric readings expected in the engine | ${f(expected)} |`)
  console.log(`| numeric readings in the engine (after dedup) | ${f(inEngine)} |`)
  console.log(`| lost | ${f(Math.max(0, expected - inEngine))} |`)
  console.log(`| extra (duplicates not merged) | ${f(Math.max(0, inEngine - expected))} |`)
  console.log(`| peak WAL backlog | ${f(peakBacklog)} records, ${f(peakBytes / 1e6)} MB |`)
  console.log(`| drain after restart (to < ½ s of load behind) | ${f(drainedMs)} ms |`)
  console.log(
    `| drain rate (while still publishing) | ${f(drainRate)} records/s = ${(drainRate / RATE).toFixed(1)} × the publish rate |`,
  )
  if (ackedLate) console.log('\nsome publishes were not acknowledged: see the table')
  if (expected !== inEngine) process.exitCode = 1
} finally {
  await p.stop()
  await vm.stop()
  vm.remove()
  tmp.remove()
}
