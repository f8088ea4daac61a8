/**
 * `npm run bench:broker`: our broker (`createBroker`: device logins, the ACL, a real WAL with fsync
 * before each PUBACK) against bare aedes (same version, no hooks) and Debian's mosquitto 2.0, on the
 * same machine in the same run, each broker in its own child process so its CPU and RSS are its own.
 *
 *   npm run bench:broker [-- --runs 3 --duration 10 --connections 10000 --only ours,aedes,qos1,tcp
 *                            --generators 3 --window 10 --profile DIR]
 *
 * `--only` takes brokers (ours, aedes, mosquitto, and the diagnostic ours-nofsync: the WAL without
 * fsync, run only when named) and phases (qos0, qos1: saturation and latency; tcp, tls: connections).
 *
 * Per broker and round: QoS 0 and QoS 1 saturation (1,000 publishers on their own device uplink
 * topics, spread over `--generators` processes; one subscriber to `urbantwin/v1/devices/+/up` in a
 * process of its own), publish → deliver latency at half of that broker's saturation rate, then
 * `--connections` idle connections over TCP and over TLS held open at once (a fresh broker each).
 * Rounds are interleaved (round i runs all brokers before round i+1); tables show medians.
 * Loopback only; every phase is bounded in time; every child is stopped by PID, and killed on exit.
 * `--profile DIR`: V8 CPU profiles of the Node broker children (`--cpu-prof`), one per broker process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateSecret } from '@urbantwin/broker'
import { makeTestCertificates } from '@urbantwin/broker/testing'
import { cpuOf } from './cpu.ts'
import {
  killChildren,
  machineCpu,
  rssOf,
  runningChildren,
  startBroker,
  startGenerators,
  type BrokerContext,
  type BrokerName,
  type BrokerUnderTest,
  type Generator,
} from './broker-procs.ts'
import {
  printReport,
  type Connections,
  type Latency,
  type Round,
  type Saturation,
  type Usage,
} from './broker-report.ts'
import {
  deviceIdOf,
  type ConnectReport,
  type Credentials,
  type LatencyReport,
  type PublishReport,
} from './broker-wire.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10000' },
    only: { type: 'string', default: '' },
    generators: { type: 'string', default: '3' },
    window: { type: 'string', default: '10' },
    profile: { type: 'string' },
  },
})
const int = (s: string, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(Number(s))))
const RUNS = int(values.runs, 1, 10)
const DURATION_MS = int(values.duration, 2, 120) * 1000
const CONNECTIONS = int(values.connections, 100, 50_000)
/** Publisher processes; the subscriber has one more of its own. */
const GENERATORS = int(values.generators, 1, 8)
/** QoS 1: PUBLISHes in flight (not yet PUBACKed) per publisher. */
const WINDOW = int(values.window, 1, 1000)
const PUBLISHERS = 1000
const WARMUP_MS = 1000
const BROKERS: BrokerName[] = ['ours', 'aedes', 'mosquitto', 'ours-nofsync']
/** Run unless `--only` names brokers; `ours-nofsync` only when named. */
const DEFAULT_BROKERS: BrokerName[] = ['ours', 'aedes', 'mosquitto']
const PHASES = ['qos0', 'qos1', 'tcp', 'tls'] as const
const only = values.only
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
const unknown = only.filter(
  (s) => !(BROKERS as string[]).includes(s) && !(PHASES as readonly string[]).includes(s),
)
if (unknown.length)
  throw new Error(`--only: unknown ${unknown.join(', ')} (brokers: ${BROKERS}; phases: ${PHASES})`)
const brokers = only.some((o) => BROKERS.includes(o as BrokerName))
  ? BROKERS.filter((b) => only.includes(b))
  : DEFAULT_BROKERS
const phases = PHASES.filter(
  (p) => !only.some((o) => (PHASES as readonly string[]).includes(o)) || only.includes(p),
)
const qosPhases = ([0, 1] as const).filter((q) => phases.includes(`qos${q}`))

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** CPU of the broker, each generator and the machine from now until the returned function is called. */
function meter(broker: BrokerUnderTest, gens: Generator[]): () => Usage & { brokerMs: number } {
  const t0 = performance.now()
  const b0 = cpuOf(broker.pid)
  const g0 = gens.map((g) => cpuOf(g.pid).totalMs)
  const m0 = machineCpu()
  return () => {
    const pct = (ms: number) => (ms / (performance.now() - t0)) * 100
    const b1 = cpuOf(broker.pid)
    const g1 = gens.map((g) => cpuOf(g.pid).totalMs)
    const m1 = machineCpu()
    return {
      brokerMs: b1.totalMs - b0.totalMs,
      brokerPct: pct(b1.totalMs - b0.totalMs),
      brokerMainPct: pct(b1.mainThreadMs - b0.mainThreadMs),
      generatorPct: g1.map((g, i) => pct(g - g0[i]!)),
      machinePct: ((m1.busyMs - m0.busyMs) / (m1.totalMs - m0.totalMs)) * 100,
    }
  }
}

const all = <T>(gens: Generator[], cmd: Parameters<Generator['request']>[0]) =>
  Promise.all(gens.map((g) => g.request<T>(cmd)))
const received = async (sub: Generator) =>
  (await sub.request<{ received: number }>({ cmd: 'count' })).received

/** Until the subscriber's count stands still for 0.5 s (at most 30 s): the broker has delivered its backlog. */
async function quiet(sub: Generator): Promise<boolean> {
  let last = await received(sub)
  for (let still = 0, t0 = performance.now(); performance.now() - t0 < 30_000;) {
    await sleep(250)
    const now = await received(sub)
    still = now === last ? still + 1 : 0
    last = now
    if (still >= 2) return true
  }
  return false
}

/** One load phase: `rate` 0 = saturation; measured from WARMUP_MS on for DURATION_MS. */
async function loadPhase(b: BrokerUnderTest, gens: Generator[], qos: 0 | 1, rate: number) {
  const pubs = gens.slice(0, -1)
  const sub = gens.at(-1)!
  const before = await received(sub)
  await all(pubs, { cmd: 'start', qos, rate: rate / pubs.length, window: WINDOW })
  await sleep(WARMUP_MS)
  const c0 = await received(sub)
  if (rate) await sub.request({ cmd: 'latency', on: true })
  const t0 = performance.now()
  const usage = meter(b, gens)
  await sleep(DURATION_MS)
  const c1 = await received(sub)
  const elapsed = performance.now() - t0
  const u = usage()
  const latency = rate ? await sub.request<LatencyReport>({ cmd: 'latency', on: false }) : null
  const reports = await all<PublishReport>(pubs, { cmd: 'stop' })
  const drained = await quiet(sub)
  const sum = (k: keyof PublishReport) => reports.reduce((n, r) => n + r[k], 0)
  return {
    rate: ((c1 - c0) / elapsed) * 1000,
    usage: u,
    cpuSPer100k: (u.brokerMs / 1000 / (c1 - c0)) * 100_000,
    latency,
    sent: sum('sent'),
    acked: sum('acked'),
    delivered: (await received(sub)) - before,
    closedEarly: sum('closedEarly'),
    drained,
  }
}

/** `CONNECTIONS` idle connections over TCP or TLS, spread over all generators, held open at once. */
async function connectionPhase(b: BrokerUnderTest, gens: Generator[], secure: boolean): Promise<Connections> {
  const idleRss = rssOf(b.pid)
  const usage = meter(b, gens)
  const t0 = performance.now()
  const reports = await Promise.all(
    gens.map((g, i) =>
      g.request<ConnectReport>(
        {
          cmd: 'connections',
          port: secure ? b.tls : b.tcp,
          tls: secure,
          devices: {
            from: Math.floor((CONNECTIONS * i) / gens.length),
            to: Math.floor((CONNECTIONS * (i + 1)) / gens.length),
            login: b.name.startsWith('ours'),
          },
          concurrency: 50,
        },
        180_000,
      ),
    ),
  )
  const ms = performance.now() - t0
  const u = usage()
  await sleep(1000) // all held open at once
  const rss = rssOf(b.pid)
  const closed = await all<{ closedEarly: number }>(gens, { cmd: 'disconnect' })
  const connected = reports.reduce((n, r) => n + r.connected, 0)
  const reasons: Record<string, number> = {}
  for (const r of reports) for (const [k, v] of Object.entries(r.reasons)) reasons[k] = (reasons[k] ?? 0) + v
  return {
    connected,
    failed: reports.reduce((n, r) => n + r.failed, 0),
    reasons,
    rate: (connected / ms) * 1000,
    rssMiB: rss / 2 ** 20,
    idleRssMiB: idleRss / 2 ** 20,
    cpuMsPerConn: u.brokerMs / Math.max(1, connected),
    closedEarly: closed.reduce((n, c) => n + c.closedEarly, 0),
    usage: u,
  }
}

async function round(name: BrokerName, ctx: BrokerContext, gens: Generator[]): Promise<Round> {
  const r: Round = { saturation: {}, latency: {}, connections: {}, server: null, warnings: 0 }
  const pubs = gens.slice(0, -1)
  const sub = gens.at(-1)!
  const login = name.startsWith('ours')
  if (qosPhases.length) {
    const b = await startBroker(name, ctx)
    try {
      await sub.request({ cmd: 'subscriber', port: b.tcp, login })
      await Promise.all(
        pubs.map((g, i) =>
          g.request({
            cmd: 'publishers',
            port: b.tcp,
            devices: {
              from: Math.floor((PUBLISHERS * i) / pubs.length),
              to: Math.floor((PUBLISHERS * (i + 1)) / pubs.length),
              login,
            },
          }),
        ),
      )
      for (const qos of qosPhases) {
        const sat = await loadPhase(b, gens, qos, 0)
        const { latency: _, ...saturation } = sat
        r.saturation[qos] = saturation satisfies Saturation
        if (sat.rate < 100) continue // nothing to pace at: reported as missing
        const lat = await loadPhase(b, gens, qos, sat.rate / 2)
        r.latency[qos] = {
          targetRate: sat.rate / 2,
          rate: lat.rate,
          ...lat.latency!,
          closedEarly: lat.closedEarly,
          usage: lat.usage,
        } satisfies Latency
      }
    } finally {
      await all(gens, { cmd: 'disconnect' }).catch(() => {})
      r.server = await b.stop()
      r.warnings += r.server?.warnings ?? 0
    }
  }
  for (const secure of [false, true]) {
    if (!phases.includes(secure ? 'tls' : 'tcp')) continue
    const b = await startBroker(name, ctx)
    try {
      r.connections[secure ? 'tls' : 'tcp'] = await connectionPhase(b, gens, secure)
    } finally {
      await all(gens, { cmd: 'disconnect' }).catch(() => {})
      r.warnings += (await b.stop())?.warnings ?? 0
    }
  }
  return r
}

async function main() {
  const limitMs =
    RUNS * brokers.length * (qosPhases.length * 2 * (DURATION_MS + 40_000) + 2 * 240_000) + 120_000
  const watchdog = setTimeout(() => {
    console.error(`bench:broker exceeded ${Math.round(limitMs / 60_000)} min: stopping`)
    process.exit(1) // the exit handler kills our children
  }, limitMs).unref()
  const dir = mkdtempSync(join(tmpdir(), 'ut-bench-broker-'))
  const certs = makeTestCertificates()
  // on any exit, `finally` included or not (process.exit skips it): children killed by PID, temp dirs gone
  const cleanUp = () => {
    killChildren()
    rmSync(dir, { recursive: true, force: true })
    certs.remove()
  }
  process.once('exit', cleanUp)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130))
  let gens: Generator[] = []
  try {
    const credentials: Credentials = {
      devices: Array.from({ length: Math.max(PUBLISHERS, CONNECTIONS) }, (_, i) => [
        deviceIdOf(i),
        generateSecret(),
      ]),
      subscriber: { username: 'bench-reader', password: generateSecret() },
    }
    const credentialsFile = join(dir, 'credentials.json')
    writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 })
    const ctx: BrokerContext = {
      workDir: dir,
      credentialsFile,
      certs,
      maxConnections: CONNECTIONS + 2000,
      nodeArgs: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
    }
    gens = await startGenerators(GENERATORS + 1, credentialsFile, certs.files.ca)
    const results = new Map<BrokerName, Round[]>(brokers.map((b) => [b, []]))
    for (let i = 0; i < RUNS; i++)
      for (const name of brokers) {
        results.get(name)!.push(await round(name, ctx, gens))
        console.error(`bench:broker: round ${i + 1} of ${RUNS}: ${name} done`)
      }
    printReport({
      results,
      runs: RUNS,
      durationMs: DURATION_MS,
      connections: CONNECTIONS,
      publishers: PUBLISHERS,
      generators: GENERATORS,
      window: WINDOW,
    })
  } finally {
    await Promise.all(gens.map((g) => g.stop()))
    clearTimeout(watchdog)
    rmSync(dir, { recursive: true, force: true })
    certs.remove()
    const left = runningChildren()
    console.log(`\nchild processes left running: ${left.length ? left.join(', ') : 'none'}`)
  }
}

await main()
