/**
 * `npm run bench:api`: the Urban Data Platform API under read load (autocannon), with the simulated
 * Munich fleet loaded (575 container sites, 171 WLAN sites, every Datastream with `--days` of history
 * at one-minute resolution) and live container readings arriving over MQTT at `--rate` msgs/s.
 * Scenarios: the latest Observation of one Datastream, 24 h of one Datastream, an hourly average over
 * the whole history, the Masterportal latest-values query over all Things, and throughput at 100
 * clients. The peer, measured the same way in the same run, is `GET /v1.1`, the service root (HTTP,
 * Express and the API's middleware on the same thread, with no store behind it). The fleet file is built once and cached in the temp dir (`--rebuild`).
 * Loopback only; bounded durations; every process it starts is stopped by PID.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { DuckDBInstance } from '@duckdb/node-api'
import { deviceKind } from '@urbantwin/devices'
import { provisionDevice, startOfUtcDay } from '@urbantwin/platform'
import { munichScenarios } from '@urbantwin/simulators'
import { openDuckDbStore } from '@urbantwin/store'
import {
  GATEWAY_USER,
  NO_SIMULATION,
  health,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '@urbantwin/test'
import { cpuOf, diffCpu } from './cpu.ts'

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '3500' },
    rebuild: { type: 'boolean', default: false },
    /** Writes V8 CPU profiles of the platform's threads (main and data) into this directory. */
    profile: { type: 'string' },
    /** Runs only the scenarios whose name contains this text (the peer always runs). */
    only: { type: 'string' },
    /** Rounds over all scenarios, interleaved; the table shows medians (min–max). */
    runs: { type: 'string', default: '1' },
  },
})
const DAYS = Math.max(1, Math.min(60, Number(values.days)))
const DURATION_S = Math.max(3, Math.min(120, Number(values.duration)))
const CONNECTIONS = Math.max(1, Math.min(200, Number(values.connections)))
const RUNS = Math.max(1, Math.min(9, Number(values.runs)))
/** What one container reading stores (its six Datastreams). */
const OBSERVATIONS_PER_MESSAGE = 6
/** Half of `npm run bench:ingest`'s end-to-end rate on DuckDB (7,075 msgs/s, issue 4). */
const INGEST_RATE = Math.max(0, Math.min(20_000, Number(values.rate)))
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** Bump when the fleet file's content changes, so that a cached one is rebuilt. */
const FLEET_VERSION = 2

type Fleet = {
  version: number
  days: number
  /** History covers [endMs − days, endMs) at one-minute steps. */
  endMs: number
  things: number
  datastreams: number
  observations: number
  buildSeconds: number
  /** The store's own compaction of the days before the last one (as the platform runs it daily). */
  compaction: { moved: number; seconds: number }
  /** Numeric Datastreams (e.g. fill levels), picked from at random by the scenarios. */
  numeric: number[]
  containerDeviceIds: string[]
}

const CACHE = join(tmpdir(), 'urbantwin-bench-api')
const fleetFile = join(CACHE, `fleet-${DAYS}d.duckdb`)
const metaFile = join(CACHE, `fleet-${DAYS}d.json`)

/**
 * Provisions the whole simulated city the way `npm start` does, then writes the history in bulk:
 * one INSERT … SELECT per day, in time order (as ingest appends it).
 */
async function buildFleet(): Promise<Fleet> {
  mkdirSync(CACHE, { recursive: true })
  rmSync(fleetFile, { force: true })
  rmSync(`${fleetFile}.wal`, { force: true })
  const t0 = performance.now()
  const store = await openDuckDbStore({ path: fleetFile })
  const devices = munichScenarios({ seed: 1, containers: 575, accessPoints: 171, surveys: 0 }).flatMap(
    (s) => s.devices,
  )
  const containerDeviceIds: string[] = []
  for (const d of devices) {
    const kind = deviceKind(d.kind)
    if (!kind) throw new Error(`unknown kind ${d.kind}`)
    await provisionDevice(store, kind, { ...d, properties: { ...d.properties, simulated: true } })
    if (d.kind === 'clothing-container') containerDeviceIds.push(d.deviceId)
  }
  await store.close()

  const endMs = Math.floor(Date.now() / MINUTE) * MINUTE
  const db = await DuckDBInstance.create(fleetFile)
  const c = await db.connect()
  await c.run(`SET TimeZone = 'UTC'`)
  // plausible shapes per stream; 'event' streams stay sparse (no history), text streams say "ok"/"up"
  const value = `CASE
      WHEN d.key = 'fillingLevel' THEN round(((epoch(t.ts) / 60 + d.id * 37) % 10080) / 100.8, 1)
      WHEN d.key = 'distance' THEN round(1500 - ((epoch(t.ts) / 60 + d.id * 37) % 10080) / 100.8 * 13)
      WHEN d.key = 'temperature' THEN round(10 + 8 * sin(2 * pi() * epoch(t.ts) / 86400), 1)
      WHEN d.key = 'batteryLevel' THEN round(100 - (epoch(t.ts) / 60 % 43200) / 432, 1)
      WHEN d.key = 'tiltAngle' THEN 2.0
      WHEN d.observation_type LIKE '%Category%' THEN NULL
      ELSE greatest(0, round(30 + 25 * sin(2 * pi() * epoch(t.ts) / 86400 + d.id)))
    END`
  const text = `CASE WHEN d.observation_type LIKE '%Category%' THEN (CASE WHEN d.key = 'status' THEN '"ok"' ELSE '"up"' END) END`
  for (let day = 0; day < DAYS; day++) {
    const from = endMs - (DAYS - day) * DAY
    await c.run(
      `INSERT INTO observations (datastream_id, phenomenon_time, result_time, result_number, result_json)
       SELECT d.id, t.ts, t.ts, ${value}, ${text}
       FROM datastreams d,
            (SELECT unnest(generate_series(make_timestamptz(${from}::BIGINT * 1000),
                                           make_timestamptz(${from + DAY - MINUTE}::BIGINT * 1000),
                                           INTERVAL 1 MINUTE)) AS ts) t
       WHERE d.key <> 'event'
       ORDER BY t.ts, d.id`,
    )
    process.stderr.write(`\rhistory: day ${day + 1}/${DAYS}`)
  }
  process.stderr.write('\n')
  await c.run('CHECKPOINT')
  const count = async (sql: string) => Number((await c.runAndReadAll(sql)).getRowObjects()[0]!.n)
  const numeric = (
    await c.runAndReadAll(
      `SELECT id FROM datastreams WHERE key IN ('fillingLevel', 'temperature', 'clientsConnected') ORDER BY id`,
    )
  )
    .getRowObjects()
    .map((r) => Number(r.id))
  const fleet: Fleet = {
    version: FLEET_VERSION,
    days: DAYS,
    endMs,
    things: await count('SELECT count(*) AS n FROM things'),
    datastreams: await count('SELECT count(*) AS n FROM datastreams'),
    observations: await count('SELECT count(*) AS n FROM observations'),
    buildSeconds: (performance.now() - t0) / 1000,
    compaction: { moved: 0, seconds: 0 },
    numeric,
    containerDeviceIds,
  }
  c.closeSync()
  db.closeSync()
  const archive = await openDuckDbStore({ path: fleetFile })
  const t1 = performance.now()
  const { moved } = await archive.compactObservations(startOfUtcDay(endMs))
  fleet.compaction = { moved, seconds: (performance.now() - t1) / 1000 }
  await archive.close()
  writeFileSync(metaFile, JSON.stringify(fleet))
  return fleet
}

function cachedFleet(): Fleet | null {
  if (values.rebuild || !existsSync(fleetFile) || !existsSync(metaFile)) return null
  const fleet = JSON.parse(readFileSync(metaFile, 'utf8')) as Fleet
  return fleet.version === FLEET_VERSION ? fleet : null
}

/** Live readings from a child process (bench/api-load.ts) for `durationMs`. */
function startIngest(p: PlatformProcess, fleet: Fleet, durationMs: number) {
  if (INGEST_RATE === 0) return { done: Promise.resolve(null), stop: () => {} }
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./api-load.ts', import.meta.url))],
    {
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_LOAD: JSON.stringify({
          url: `mqtt://127.0.0.1:${p.mqttPort}`,
          username: GATEWAY_USER,
          password: secretsOf(p).simulatorPassword,
          deviceIds: fleet.containerDeviceIds,
          rate: INGEST_RATE,
          durationMs,
        }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let out = ''
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  const done = new Promise<{ acked: number; errors: number }>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { acked: number; errors: number })
        : reject(new Error(`load exited ${code}`)),
    ),
  )
  done.catch(() => {}) // stopped early: reported where awaited
  return { done, stop: () => void (child.exitCode === null && child.kill('SIGTERM')) }
}

type Scenario = {
  name: string
  target: string
  connections: number
  path: () => string
  /** Checks one answer before measuring: a fast wrong answer is no result. */
  check: (body: unknown) => string | null
}

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!
const q = encodeURIComponent

function scenarios(fleet: Fleet): Scenario[] {
  const dayFrom = new Date(fleet.endMs - DAY).toISOString()
  const end = new Date(fleet.endMs).toISOString()
  const historyFrom = new Date(fleet.endMs - fleet.days * DAY).toISOString()
  const value = (body: unknown) => (body as { value?: unknown[] }).value ?? []
  return [
    {
      name: 'peer: GET /v1.1 (service root)',
      target: '',
      connections: CONNECTIONS,
      path: () => '/v1.1',
      check: (b) => (value(b).length > 0 ? null : 'no entity sets'),
    },
    {
      name: 'latest Observation of one Datastream',
      target: '≤ 20',
      connections: CONNECTIONS,
      path: () => `/v1.1/Datastreams(${pick(fleet.numeric)})/Observations?$top=1`,
      check: (b) => (value(b).length === 1 ? null : `${value(b).length} observations`),
    },
    {
      name: '24 h of one Datastream (1,440 Observations)',
      target: '≤ 50',
      connections: CONNECTIONS,
      path: () =>
        `/v1.1/Datastreams(${pick(fleet.numeric)})/Observations?$top=1440&$filter=${q(`phenomenonTime ge ${dayFrom} and phenomenonTime lt ${end}`)}`,
      check: (b) => (value(b).length === 1440 ? null : `${value(b).length} observations, not 1440`),
    },
    {
      name: `hourly average over ${fleet.days} days`,
      target: '≤ 100',
      connections: CONNECTIONS,
      path: () =>
        `/v1.1/Datastreams(${pick(fleet.numeric)})/Observations?$aggregate=avg&$interval=PT1H&$top=1000&$filter=${q(`phenomenonTime ge ${historyFrom} and phenomenonTime lt ${end}`)}`,
      // the window is not hour-aligned: a partial hour at each end
      check: (b) =>
        Math.abs(value(b).length - fleet.days * 24) <= 1
          ? null
          : `${value(b).length} intervals, not ${fleet.days * 24}`,
    },
    {
      name: `Masterportal latest values, all ${fleet.things} Things`,
      target: '≤ 250',
      connections: CONNECTIONS,
      path: () =>
        `/v1.1/Things?$top=${fleet.things}&$expand=${q('Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))')}`,
      check: (b) => {
        const things = value(b) as { Datastreams: { Observations: unknown[] }[] }[]
        const withLatest = things
          .flatMap((t) => t.Datastreams)
          .filter((d) => d.Observations.length === 1).length
        return things.length === fleet.things && withLatest > 0
          ? null
          : `${things.length} Things, ${withLatest} latest values`
      },
    },
    {
      name: 'throughput: latest Observation, 100 clients',
      target: '',
      connections: 100,
      path: () => `/v1.1/Datastreams(${pick(fleet.numeric)})/Observations?$top=1`,
      check: (b) => (value(b).length === 1 ? null : 'no observation'),
    },
  ]
}

async function measure(base: string, s: Scenario) {
  const first = await fetch(base + s.path())
  const problem = first.status === 200 ? s.check(await first.json()) : `HTTP ${first.status}`
  if (problem) throw new Error(`${s.name}: ${problem}`)
  const r = await autocannon({
    url: base,
    connections: s.connections,
    duration: DURATION_S,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: s.path() }) }],
  })
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  }
}

async function main() {
  let fleet = cachedFleet()
  if (!fleet) {
    process.stderr.write(`building the fleet file (${DAYS} days at one-minute steps) in ${CACHE} …\n`)
    fleet = await buildFleet()
  }
  process.stderr.write(
    `fleet: ${fleet.things} Things, ${fleet.datastreams} Datastreams, ${fleet.observations.toLocaleString('en')} Observations (built in ${fleet.buildSeconds.toFixed(0)} s; compaction moved ${fleet.compaction.moved.toLocaleString('en')} in ${fleet.compaction.seconds.toFixed(1)} s)\n`,
  )
  const tmp = tempDataDir()
  mkdirSync(join(tmp.dir, 'data'), { recursive: true })
  copyFileSync(fleetFile, join(tmp.dir, 'data', 'urbantwin.duckdb'))
  {
    // the fleet's last day is still in the recent table: the platform's compaction would move it on its
    // first run (STORE_COMPACT_MIN_ROWS), here it is done before measuring rather than during it
    const copy = await openDuckDbStore({ path: join(tmp.dir, 'data', 'urbantwin.duckdb') })
    const t0 = performance.now()
    const { moved } = await copy.compactObservations(fleet.endMs)
    await copy.close()
    process.stderr.write(
      `recent table compacted: ${moved.toLocaleString('en')} moved in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    )
  }
  const p = await startPlatformProcess({
    dataDir: tmp.dir,
    // compaction runs as configured by default: under this ingest rate it moves the recent rows every minute
    env: {
      ...NO_SIMULATION,
      LOG_LEVEL: 'warn',
      API_MAX_TOP: '2000',
    },
    nodeArgs: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
    readyTimeoutMs: 300_000,
  })
  const all = scenarios(fleet)
  const masterportal = all.find((s) => s.name.startsWith('Masterportal'))!
  const list = all.filter((s, i) => i === 0 || values.only === undefined || s.name.includes(values.only))
  const ingest = startIngest(p, fleet, (RUNS * list.length * (DURATION_S + 5) + 60) * 1000)
  try {
    // the latest-value index reads every Datastream once, on the first request that needs it
    const t0 = performance.now()
    const cold = await fetch(p.base + masterportal.path())
    const coldMs = performance.now() - t0
    if (cold.status !== 200) throw new Error(`Masterportal query: HTTP ${cold.status}`)
    await new Promise((r) => setTimeout(r, 5000)) // publishers connected and at rate
    const before = {
      stored: (await health(p)).ingest.stored,
      at: performance.now(),
      cpu: cpuOf(p.child.pid!),
    }
    type Result = Awaited<ReturnType<typeof measure>> & { ingest: number }
    const results: Result[][] = list.map(() => [])
    for (let run = 1; run <= RUNS; run++) {
      for (const [i, s] of list.entries()) {
        // the ingest rate while this scenario ran: the throughput one takes CPU from it
        const from = { stored: (await health(p)).ingest.stored, at: performance.now() }
        const m = await measure(p.base, s)
        const stored = (await health(p)).ingest.stored - from.stored
        const r = { ...m, ingest: stored / OBSERVATIONS_PER_MESSAGE / ((performance.now() - from.at) / 1000) }
        results[i]!.push(r)
        process.stderr.write(
          `run ${run}/${RUNS} | ${s.name} | p50 ${r.p50.toFixed(0)} | p99 ${r.p99.toFixed(0)} | ${r.rps.toFixed(0)} req/s | ingest ${r.ingest.toFixed(0)} msgs/s\n`,
        )
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const cell = (xs: number[], bold = false) => {
      const m = median(xs).toFixed(0)
      const text = bold ? `**${m}**` : m
      return xs.length === 1 ? text : `${text} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`
    }
    const peerP99 = median(results[0]!.map((r) => r.p99))
    const rows = list.map((s, i) => {
      const rs = results[i]!
      const p99 = rs.map((r) => r.p99)
      const bad = `${rs.reduce((n, r) => n + r.non2xx, 0)} / ${rs.reduce((n, r) => n + r.errors, 0)}`
      return `| ${s.name} | ${s.connections} | ${s.target} | ${cell(rs.map((r) => r.p50))} | ${cell(p99, true)} | ${cell(rs.map((r) => r.rps))} | ${(median(p99) / Math.max(1, peerP99)).toFixed(1)} | ${cell(rs.map((r) => r.ingest))} | ${bad} |`
    })
    const after = { stored: (await health(p)).ingest.stored, at: performance.now(), cpu: cpuOf(p.child.pid!) }
    const seconds = (after.at - before.at) / 1000
    const platformCpu = diffCpu(before.cpu, after.cpu).totalMs / 1000
    ingest.stop()
    const load = await ingest.done.catch(() => null)
    console.log(
      `\nnpm run bench:api: ${fleet.things} Things, ${fleet.datastreams} Datastreams, ${fleet.observations.toLocaleString('en')} Observations (${fleet.days} days at 1 min), DuckDB; ${DURATION_S} s per scenario, ${RUNS} run(s)${RUNS > 1 ? ' interleaved, medians (min–max)' : ''}\n`,
    )
    console.log(
      '| scenario | clients | target p99 ms | p50 ms | p99 ms | req/s | p99 × peer | ingest msgs/s | non-2xx / errors |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of rows) console.log(r)
    console.log(
      `\n- fleet file: built in ${fleet.buildSeconds.toFixed(0)} s; the store's compaction of the days before the last moved ${fleet.compaction.moved.toLocaleString('en')} Observations in ${fleet.compaction.seconds.toFixed(1)} s` +
        `\n- first Masterportal request after start (reads the latest-value index): ${coldMs.toFixed(0)} ms` +
        `\n- ingest meanwhile: ${((after.stored - before.stored) / seconds / OBSERVATIONS_PER_MESSAGE).toFixed(0)} msgs/s stored (target ${INGEST_RATE}; ${((after.stored - before.stored) / seconds).toFixed(0)} observations/s)` +
        (load ? `, ${load.acked} acked, ${load.errors} errors` : '') +
        `\n- platform CPU: ${(platformCpu / seconds).toFixed(2)} cores of 2, shared with autocannon and the publisher`,
    )
  } finally {
    ingest.stop()
    await p.stop()
    tmp.remove()
  }
}

await main()
