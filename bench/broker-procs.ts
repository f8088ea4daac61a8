/**
 * The processes of `npm run bench:broker`: the three brokers under test and the load generators, each
 * its own child, all stopped by PID (SIGTERM, then SIGKILL) — and killed by PID on exit whatever happened.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { TestCertificates } from '@urbantwin/broker/testing'
import { freePort } from '@urbantwin/broker/testing/redis'
import { startMosquitto } from '@urbantwin/simulators'
import { ServerReady, ServerStats, type Command, type Reply } from './broker-wire.ts'

/** Every child still running, by PID. */
const children = new Set<number>()
const track = (child: ChildProcess) => {
  const pid = child.pid
  if (!pid) throw new Error('child process did not start')
  children.add(pid)
  child.once('exit', () => children.delete(pid))
  return pid
}
/** Temp dirs of running mosquittos (their config and log). */
const mosquittoDirs = new Set<string>()
/** For `process.on('exit')`: SIGKILL to every child we started that is still there, and their temp dirs gone. */
export function killChildren(): void {
  for (const pid of children)
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  for (const dir of mosquittoDirs) rmSync(dir, { recursive: true, force: true })
}
export const runningChildren = (): number[] => [...children]

const tsx = ['--import', import.meta.resolve('tsx')]
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** Waits for `child` to exit; SIGKILL after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** `ours-nofsync`: our broker with the WAL's fsync off, a diagnostic run only when named in `--only`. */
export type BrokerName = 'ours' | 'ours-nofsync' | 'aedes' | 'mosquitto'
export type BrokerUnderTest = {
  name: BrokerName
  pid: number
  tcp: number
  tls: number
  /** Stops it by PID; our own broker children report their stats. */
  stop(): Promise<ServerStats | null>
}
export type BrokerContext = {
  /** The run's temp dir: WALs go below it, so they go with it even if a broker child was killed. */
  workDir: string
  credentialsFile: string
  certs: TestCertificates
  maxConnections: number
  /** Extra node flags for the Node brokers, e.g. `--cpu-prof`. */
  nodeArgs: string[]
}

export function startBroker(name: BrokerName, ctx: BrokerContext): Promise<BrokerUnderTest> {
  return name === 'mosquitto' ? startMosquittoBroker(ctx.certs) : startNodeBroker(name, ctx)
}

async function startNodeBroker(
  name: Exclude<BrokerName, 'mosquitto'>,
  ctx: BrokerContext,
): Promise<BrokerUnderTest> {
  const child = spawn(
    process.execPath,
    [
      ...ctx.nodeArgs,
      ...tsx,
      here('./broker-server.ts'),
      name === 'aedes' ? 'aedes' : 'ours',
      ...(name === 'ours-nofsync' ? ['--no-fsync'] : []),
      '--credentials',
      ctx.credentialsFile,
      '--cert',
      ctx.certs.files.cert,
      '--key',
      ctx.certs.files.key,
      '--max-connections',
      String(ctx.maxConnections),
      '--wal-dir',
      mkdtempSync(join(ctx.workDir, 'wal-')),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const pid = track(child)
  const lines = createInterface({ input: child.stdout! })
  const out: string[] = []
  const ended = new Promise<void>((resolve) => lines.once('close', resolve))
  const first = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 60_000)
    lines.on('line', (line) => {
      out.push(line)
      clearTimeout(timer)
      resolve(out[0]!)
    })
    child.once('exit', () => resolve(null))
  })
  if (first === null) {
    child.kill('SIGKILL')
    throw new Error(`broker-server ${name} did not report its ports within 60 s`)
  }
  const ports = ServerReady.parse(JSON.parse(first))
  return {
    name,
    pid,
    ...ports,
    async stop() {
      child.kill('SIGTERM')
      await exited(child, 15_000)
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))])
      const last = out.length > 1 ? out.at(-1)! : null
      return last ? ServerStats.parse(JSON.parse(last)) : null
    },
  }
}

export const MOSQUITTO_SETTINGS = [
  'max_connections -1', // unlimited; the real bound is RLIMIT_NOFILE (ulimit -n)
  'max_inflight_messages 0', // no limit on QoS 1 messages in flight towards the subscriber
  'max_queued_messages 1000000', // the subscriber's queue: not the bound under saturation
  'connection_messages false', // two log lines per connect would halve mosquitto's connect rate
]

/** Debian's mosquitto: a generated config (anonymous, no persistence) plus a TLS listener with our certificate. */
async function startMosquittoBroker(certs: TestCertificates): Promise<BrokerUnderTest> {
  const tlsPort = await freePort()
  const m = await startMosquitto({
    extraConfig: [
      ...MOSQUITTO_SETTINGS,
      `listener ${tlsPort} 127.0.0.1`,
      `certfile ${certs.files.cert}`,
      `keyfile ${certs.files.key}`,
      'tls_version tlsv1.2', // the minimum, as `minVersion: 'TLSv1.2'` for the Node brokers
    ],
  })
  children.add(m.pid)
  mosquittoDirs.add(dirname(m.logFile))
  return {
    name: 'mosquitto',
    pid: m.pid,
    tcp: m.port,
    tls: tlsPort,
    async stop() {
      await m.stop()
      children.delete(m.pid)
      mosquittoDirs.delete(dirname(m.logFile))
      return null
    },
  }
}

export type Generator = {
  pid: number
  request<T>(c: Command, timeoutMs?: number): Promise<T>
  stop(): Promise<void>
}

/** Forks `n` generators (bench/broker-load.ts) and waits until each is ready for commands. */
export function startGenerators(n: number, credentialsFile: string, caFile: string): Promise<Generator[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = fork(here('./broker-load.ts'), [credentialsFile, caFile], {
        execArgv: tsx,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      const pid = track(child)
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
      let ids = 0
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve())
        child.once('exit', (code) => reject(new Error(`generator exited with ${code} before it was ready`)))
      })
      child.on('message', (r: Reply) => {
        const p = pending.get(r.id)
        pending.delete(r.id)
        if (r.ok) p?.resolve(r.value)
        else p?.reject(new Error(`generator ${pid}: ${r.error}`))
      })
      child.once('exit', (code) => {
        for (const p of pending.values()) p.reject(new Error(`generator ${pid} exited with ${code}`))
        pending.clear()
      })
      return {
        pid,
        request<T>(c: Command, timeoutMs = 120_000) {
          const id = ++ids
          return new Promise<T>((resolve, reject) => {
            const timer = setTimeout(() => {
              pending.delete(id)
              reject(new Error(`generator ${pid}: ${c.cmd} took over ${timeoutMs} ms`))
            }, timeoutMs)
            pending.set(id, {
              resolve: (v) => {
                clearTimeout(timer)
                resolve(v as T)
              },
              reject: (e) => {
                clearTimeout(timer)
                reject(e)
              },
            })
            child.send({ ...c, id })
          })
        },
        async stop() {
          if (child.connected) child.disconnect() // it exits when its parent lets go
          await exited(child, 5000)
        },
      }
    }),
  )
}

/** VmRSS of a process, bytes. */
export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
}

/** CPU time of the whole machine from /proc/stat (all processes, ours and others'), ms. */
export function machineCpu(): { busyMs: number; totalMs: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map((f) => Number(f) * 10)
  const busy = user! + nice! + system! + irq! + softirq! + steal!
  return { busyMs: busy, totalMs: busy + idle! + iowait! }
}
