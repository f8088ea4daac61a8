/**
 * `npm run bench:sim`: how fast one simulator process publishes to Debian's mosquitto on loopback
 * (QoS 0 and QoS 1, fixed message counts, ≥ 3 rounds each), next to a peer in the same script: the
 * fastest raw publisher we can write (pre-encoded PUBLISH packets on one socket). Then the memory per
 * 1,000 connected idle simulated devices, measured in a fresh child process.
 *
 *   npm run bench:sim [-- --rounds 3 --qos0 200000 --qos1 100000 --memory 1000,5000]
 *   npm run bench:sim -- --scale 10000 [--processes 1 --brokers 1 --sources 1]   (connection scale run)
 *
 * Loopback only; every run is bounded (≤ 30 s); mosquitto is ours and stopped by PID at the end, on
 * error and on exit. Rates: messages / (first write → last PUBACK, or → PINGRESP after the last QoS 0
 * PUBLISH, i.e. mosquitto has read everything). No subscriber: mosquitto receives, acks and routes to
 * nobody, so the numbers are the publishing path only.
 * One file on purpose: the peer lives in the same script as the runs it is compared with.
 */
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generate, parser, type Packet } from 'mqtt-packet'
import { connectPacket } from '@urbantwin/broker/testing/packets'
import {
  defaultDeviceId,
  defaultLoadPayload,
  defaultLoadTopic,
  loopbackAddresses,
  openLoadFleet,
  runLoad,
  runLoadProcesses,
  startMosquitto,
  type Mosquitto,
} from '@urbantwin/simulators'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    qos0: { type: 'string', default: '200000' },
    qos1: { type: 'string', default: '100000' },
    memory: { type: 'string', default: '1000,5000' },
    scale: { type: 'string' },
    processes: { type: 'string', default: '1' },
    brokers: { type: 'string', default: '1' },
    sources: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    'memory-child': { type: 'string' },
    url: { type: 'string' },
  },
})
const int = (s: string | undefined, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.floor(Number(s))))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const ROUND_MS = 30_000
const DEVICES = 100
const CONNECTIONS = 10
const INFLIGHT = 100 // per simulator connection: 10 × 100 = the peer's window of 1,000

if (args['memory-child']) await memoryChild(int(args['memory-child'], 1, 19_000), args.url!)
else await main()

async function main() {
  const watchdog = setTimeout(() => {
    console.error('bench:sim exceeded 15 minutes: stopping')
    process.exit(1) // the exit handler kills our brokers
  }, 15 * 60_000).unref()
  const brokers: Mosquitto[] = []
  const killBrokers = () => brokers.forEach((b) => process.kill(b.pid, 'SIGKILL'))
  process.once('exit', killBrokers)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130))
  try {
    const count = args.scale ? int(args.brokers, 1, 16) : 1
    for (let i = 0; i < count; i++)
      brokers.push(
        await startMosquitto({
          extraConfig: [
            'max_connections -1', // unlimited; the real bound is RLIMIT_NOFILE (ulimit -n)
            'max_inflight_messages 0', // 0 = no limit on QoS 1/2 messages in flight towards clients
            'max_queued_messages 1000000', // per client queue (only matters with subscribers)
            'connection_messages false', // two log lines per connect halve mosquitto's connect rate
          ],
        }),
      )
    if (args.scale) await scaleRun(brokers)
    else {
      await throughput(brokers[0]!.url)
      await memory(brokers[0]!)
    }
  } finally {
    process.off('exit', killBrokers)
    await Promise.all(brokers.map((b) => b.stop()))
    clearTimeout(watchdog)
  }
}

async function throughput(url: string) {
  const rounds = int(args.rounds, 3, 20)
  const rows: string[] = []
  for (const qos of [0, 1] as const) {
    const messages = int(qos === 0 ? args.qos0 : args.qos1, 1000, 5_000_000)
    const sim: number[] = []
    const peer: number[] = []
    for (let r = 0; r < rounds; r++) {
      const report = await runLoad({
        url,
        devices: DEVICES,
        connections: CONNECTIONS,
        qos,
        messages,
        durationMs: ROUND_MS,
        inflight: INFLIGHT,
      })
      const done = qos === 0 ? report.sent : report.acked
      if (done !== messages || report.errors)
        throw new Error(`simulator round incomplete: ${JSON.stringify(report)}`)
      sim.push(report.completedRate)
      peer.push(await rawPeer(url, qos, messages))
    }
    const p = median(peer)
    for (const [mode, xs] of [
      [`simulator (${DEVICES} devices / ${CONNECTIONS} conn.)`, sim],
      [
        qos === 0
          ? 'peer: raw pre-encoded, 1 socket'
          : `peer: raw pre-encoded, ${CONNECTIONS} sockets × window ${INFLIGHT}`,
        peer,
      ],
    ] as const)
      rows.push(
        `| ${mode} | ${qos} | ${fmt(messages)} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${(median(xs) / p).toFixed(2)} |`,
      )
  }
  console.log(
    `\nPublishing to mosquitto on loopback, ${rounds} rounds each (msgs/s, ${process.platform} ${process.arch})\n`,
  )
  console.log('| mode | QoS | msgs | median msgs/s | min | max | × peer |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const row of rows) console.log(row)
}

/**
 * The peer: pre-encoded PUBLISH packets written in chunks; no per-message work but a packet id.
 * QoS 0: one socket. QoS 1: the simulator's layout (10 sockets × window 100), topped up on each read.
 */
async function rawPeer(url: string, qos: 0 | 1, messages: number): Promise<number> {
  const sockets = qos === 0 ? 1 : CONNECTIONS
  const peers = await Promise.all(
    Array.from({ length: sockets }, (_, i) => rawSocket(url, qos, i, Math.ceil(messages / DEVICES))),
  )
  const t0 = performance.now()
  await Promise.all(
    peers.map((send, i) =>
      send(Math.floor((messages * (i + 1)) / sockets) - Math.floor((messages * i) / sockets)),
    ),
  )
  return (messages * 1000) / (performance.now() - t0)
}

async function rawSocket(url: string, qos: 0 | 1, index: number, seq: number) {
  const { hostname, port } = new URL(url)
  const socket = net.connect(Number(port), hostname)
  socket.setNoDelay(true)
  const packets = parser({ protocolVersion: 4 })
  let onPacket: (p: Packet) => void = () => {}
  let afterData = () => {}
  packets.on('packet', (p: Packet) => onPacket(p))
  socket.on('data', (d) => {
    packets.parse(d)
    afterData()
  })
  await new Promise<void>((resolve, reject) => {
    onPacket = (p) => (p.cmd === 'connack' && p.returnCode === 0 ? resolve() : reject(new Error(p.cmd)))
    socket.once('error', reject)
    const clientId = `peer-${process.pid}-${index}`
    socket.write(generate(connectPacket({ clientId })))
  })
  const devices = Array.from({ length: DEVICES / (qos === 0 ? 1 : CONNECTIONS) }, (_, i) =>
    defaultDeviceId(index + i * CONNECTIONS),
  )
  const templates = devices.map((id) => {
    const payload = defaultLoadPayload(id, seq, Date.now()) // same size as the simulator's
    const buf = generate({
      cmd: 'publish',
      topic: defaultLoadTopic(id),
      payload,
      qos,
      messageId: 1,
      dup: false,
      retain: false,
    })
    return { buf, idAt: buf.length - Buffer.byteLength(payload) - 2 }
  })
  const window = qos === 0 ? Infinity : INFLIGHT
  return async (messages: number) => {
    const deadline = performance.now() + ROUND_MS
    let sent = 0
    let acked = 0
    let nextId = 0
    const chunk = (n: number) => {
      if (qos === 0)
        return Buffer.concat(Array.from({ length: n }, () => templates[sent++ % templates.length]!.buf))
      let size = 0
      for (let k = 0; k < n; k++) size += templates[(sent + k) % templates.length]!.buf.length
      const out = Buffer.allocUnsafe(size)
      for (let k = 0, at = 0; k < n; k++, sent++) {
        const t = templates[sent % templates.length]!
        t.buf.copy(out, at)
        nextId = (nextId % 65_535) + 1
        out.writeUInt16BE(nextId, at + t.idAt)
        at += t.buf.length
      }
      return out
    }
    await new Promise<void>((resolve, reject) => {
      let draining = false
      const pump = () => {
        draining = false
        while (sent < messages && performance.now() < deadline) {
          const n = Math.min(window - (sent - acked), 1000, messages - sent)
          if (n <= 0) return // wait for PUBACKs
          if (!socket.write(chunk(n))) {
            draining = true
            return void socket.once('drain', pump)
          }
        }
        if (qos === 0 && sent === messages) socket.write(generate({ cmd: 'pingreq' })) // answered after all before it
      }
      onPacket = (p) => {
        if (p.cmd === 'pingresp' || (p.cmd === 'puback' && ++acked === messages)) resolve()
      }
      afterData = () => qos === 1 && !draining && pump()
      socket.once('error', reject)
      setTimeout(() => reject(new Error('peer round exceeded 30 s')), ROUND_MS + 5000).unref()
      pump()
    })
    socket.end(generate({ cmd: 'disconnect' }))
  }
}

/**
 * Idle devices, one connection each, in a fresh child process per measurement (median of 3). The
 * per-1,000 figure at one size includes fixed costs; the marginal row is (big − small) / Δdevices.
 */
async function memory(broker: Mosquitto) {
  const sizes = args.memory!.split(',').map((s) => int(s, 100, 19_000))
  type Sample = { rss: number; heap: number; connectMs: number; gc: boolean }
  const medians: Array<{ n: number; rss: number; heap: number; connectMs: number }> = []
  let gcNote = ''
  for (const n of sizes) {
    const runs: Sample[] = []
    for (let r = 0; r < 3; r++) {
      const child = fork(fileURLToPath(import.meta.url), ['--memory-child', String(n), '--url', broker.url], {
        execArgv: ['--expose-gc', ...process.execArgv],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      runs.push(
        await new Promise<Sample>((resolve, reject) => {
          child.once('message', (msg: Sample) => resolve(msg))
          child.once('exit', (code) => reject(new Error(`memory child exited ${code}`)))
        }),
      )
      child.send('close')
      await new Promise((r) => child.once('exit', r))
    }
    if (runs.some((r) => !r.gc)) gcNote = ' (global.gc unavailable: numbers include garbage)'
    const m = (k: keyof Omit<Sample, 'gc'>) => median(runs.map((r) => r[k]))
    medians.push({ n, rss: m('rss'), heap: m('heap'), connectMs: m('connectMs') })
  }
  const kib = (bytes: number, n: number) => `${fmt(((bytes / n) * 1000) / 1024)} KiB`
  console.log(
    `\nMemory per 1,000 connected idle simulated devices (1 connection each), median of 3${gcNote}\n`,
  )
  console.log('| devices | connect ms | RSS / 1,000 devices | heapUsed / 1,000 devices |')
  console.log('|---:|---:|---:|---:|')
  for (const x of medians)
    console.log(`| ${fmt(x.n)} | ${fmt(x.connectMs)} | ${kib(x.rss, x.n)} | ${kib(x.heap, x.n)} |`)
  const [a, b] = [medians[0], medians.at(-1)]
  if (a && b && b.n > a.n)
    console.log(
      `| marginal ${fmt(a.n)}→${fmt(b.n)} | | ${kib(b.rss - a.rss, b.n - a.n)} | ${kib(b.heap - a.heap, b.n - a.n)} |`,
    )
}

async function memoryChild(n: number, url: string) {
  const gc = (globalThis as { gc?: () => void }).gc
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.()
      await new Promise((r) => setImmediate(r))
    }
  }
  await settle()
  const before = process.memoryUsage()
  const fleet = await openLoadFleet({ url, devices: n, messages: 1, keepaliveSec: 120 })
  if (fleet.stats.connected !== n) throw new Error(`only ${fleet.stats.connected}/${n} connected`)
  await settle()
  const after = process.memoryUsage()
  process.send!({
    rss: after.rss - before.rss,
    heap: after.heapUsed - before.heapUsed,
    connectMs: fleet.connectMs,
    gc: !!gc,
  })
  await new Promise((r) => process.once('message', r))
  await fleet.close()
  process.disconnect()
}

function vmRss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
}
/** VmRSS of our child processes (the simulator shares); mosquitto is a child too: subtracted by the caller. */
function childrenRss(exclude: readonly number[] = []): number {
  let sum = 0
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      if (/PPid:\s+(\d+)/.exec(status)?.[1] === String(process.pid) && !exclude.includes(Number(pid)))
        sum += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
    } catch {
      // the process ended between readdir and read
    }
  }
  return sum
}

function memAvailable(): number {
  return Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024
}

/** Many connections (one device each), one QoS 1 message per device: connect time, memory, success. */
async function scaleRun(brokers: Mosquitto[]) {
  const n = int(args.scale, 1, 1_000_000)
  const processes = int(args.processes, 1, 32)
  const sources = int(args.sources, 1, 250)
  const before = memAvailable()
  let peak = 0
  let simPeak = 0
  const sample = setInterval(() => {
    peak = Math.max(peak, before - memAvailable())
    simPeak = Math.max(simPeak, process.memoryUsage().rss + childrenRss(brokers.map((b) => b.pid)))
  }, 250)
  const opts = {
    url: brokers.map((b) => b.url),
    devices: n,
    qos: 1 as const,
    messages: n,
    durationMs: 60_000,
    connectConcurrency: int(args.concurrency, 1, 10_000),
    connectTimeoutMs: 30_000,
    drainTimeoutMs: 30_000,
    ...(sources > 1 && { localAddress: loopbackAddresses(sources) }),
  }
  const t0 = performance.now()
  const r = processes === 1 ? await runLoad(opts) : await runLoadProcesses({ ...opts, processes })
  const wall = performance.now() - t0
  clearInterval(sample)
  const brokerRss = brokers.reduce((s, b) => s + vmRss(b.pid), 0)
  console.log(
    `\nScale run: ${fmt(n)} devices = connections, ${processes} simulator process(es), ${brokers.length} mosquitto(s), ${sources} source address(es)\n`,
  )
  console.log(
    '| connected | connect failures | connect ms | sent | acked | errors | simulator RSS (peak) | memory used, all (peak) | mosquitto RSS at end | wall ms |',
  )
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  console.log(
    `| ${fmt(r.connected)} | ${fmt(r.connectFailures)} ${JSON.stringify(r.connectFailureReasons)} | ${fmt(r.connectMs)} | ${fmt(r.sent)} | ${fmt(r.acked)} | ${r.errors} | ${fmt(simPeak / 2 ** 20)} MiB | ${fmt(peak / 2 ** 20)} MiB | ${fmt(brokerRss / 2 ** 20)} MiB | ${fmt(wall)} |`,
  )
}
