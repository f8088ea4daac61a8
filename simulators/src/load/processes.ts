import { fork, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createHistogram, merge, quantile } from './histogram.ts'
import { resolveSettings, type LoadProgress, type LoadSettings, type ResolvedSettings } from './options.ts'
import type { LoadReport, LoadResult } from './run-load.ts'
import { splitSettings } from './split.ts'

/** IPC messages (structured clone: `serialization: 'advanced'` carries Maps). */
export type ParentMessage =
  { type: 'start'; settings: ResolvedSettings; hooksModule?: string } | { type: 'go' } | { type: 'stop' }
export type ChildMessage =
  | { type: 'connected'; connected: number }
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string }

export type LoadProcessesOptions = LoadSettings & {
  processes: number
  /**
   * Path or URL of a module whose named exports `topic`, `payload`, `deviceId` and `credentials`
   * (see LoadHooks) replace the defaults in every child: functions cannot be sent to a process.
   */
  hooksModule?: string
  onProgress?: (p: LoadProgress) => void
  signal?: AbortSignal
  /** Grace period after an abort before children are killed by PID (default 10 s). */
  killAfterMs?: number
}

export type LoadProcessesReport = LoadReport & {
  /** Each child's report (without `lastSeq`, which is merged above). */
  perProcess: Omit<LoadReport, 'lastSeq'>[]
  pids: number[]
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/**
 * Forks `processes` children (node --import tsx), each with a contiguous share of devices and
 * connections; all connect first, then publish together; the reports are merged. Children exit by
 * themselves; on abort they are told to stop and killed by PID if they have not exited in time;
 * they also stop when this process exits (IPC disconnect, plus a kill in an exit handler).
 */
export async function runLoadProcesses(opts: LoadProcessesOptions): Promise<LoadProcessesReport> {
  const { processes, hooksModule, onProgress, signal, killAfterMs = 10_000, ...settings } = opts
  const shares = splitSettings(resolveSettings(settings), processes)
  const hooks =
    hooksModule && !/^[a-z]+:/.test(hooksModule) ? pathToFileURL(absolute(hooksModule)).href : hooksModule
  const children = shares.map(() =>
    fork(CHILD, [], {
      execArgv: ['--import', TSX],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    }),
  )
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) c.kill('SIGKILL')
  }
  process.on('exit', killAll)
  const progress = new Array<LoadProgress | null>(processes).fill(null)
  const ticker = onProgress && setInterval(() => onProgress(sumProgress(progress)), 1000).unref()
  let killTimer: NodeJS.Timeout | undefined
  const onAbort = () => {
    for (const c of children) if (c.connected) c.send({ type: 'stop' } satisfies ParentMessage)
    killTimer = setTimeout(killAll, killAfterMs)
  }
  signal?.addEventListener('abort', onAbort)
  if (signal?.aborted) onAbort()

  try {
    let connected = 0
    const results = await Promise.all(
      children.map((child, i) =>
        awaitChild(child, i, (m) => {
          if (m.type === 'progress') progress[i] = m.progress
          else if (m.type === 'connected' && ++connected === processes)
            for (const c of children) if (c.connected) c.send({ type: 'go' } satisfies ParentMessage)
        }),
      ),
    )
    return mergeResults(
      results,
      children.map((c) => c.pid ?? 0),
    )
  } finally {
    if (ticker) clearInterval(ticker)
    signal?.removeEventListener('abort', onAbort)
    clearTimeout(killTimer)
    killAll()
    process.off('exit', killAll)
  }

  function awaitChild(
    child: ChildProcess,
    i: number,
    onMessage: (m: ChildMessage) => void,
  ): Promise<LoadResult> {
    return new Promise((resolveResult, reject) => {
      let result: LoadResult | null = null
      let failure: string | null = null
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'result') result = m.result
        else if (m.type === 'failed') failure = m.message
        else onMessage(m)
      })
      child.once('spawn', () =>
        child.send({
          type: 'start',
          settings: shares[i]!,
          ...(hooks && { hooksModule: hooks }),
        } satisfies ParentMessage),
      )
      child.once('error', reject)
      child.once('exit', (code, sig) => {
        if (result) return resolveResult(result)
        killAll() // one share failed: the merged report would be meaningless
        reject(
          new Error(`load process ${child.pid} ended without a result (${failure ?? sig ?? `exit ${code}`})`),
        )
      })
    })
  }
}

const absolute = (p: string) => (isAbsolute(p) ? p : resolve(p))

function sumProgress(ps: readonly (LoadProgress | null)[]): LoadProgress {
  const order: LoadProgress['phase'][] = ['connecting', 'publishing', 'draining']
  const live = ps.filter((p): p is LoadProgress => p !== null)
  const sum = (k: 'connected' | 'connectFailures' | 'sent' | 'acked' | 'errors' | 'currentRate') =>
    live.reduce((n, p) => n + p[k], 0)
  return {
    phase: order[Math.min(...live.map((p) => order.indexOf(p.phase)), 2)] ?? 'connecting',
    connected: sum('connected'),
    connectFailures: sum('connectFailures'),
    sent: sum('sent'),
    acked: sum('acked'),
    errors: sum('errors'),
    elapsedMs: Math.max(0, ...live.map((p) => p.elapsedMs)),
    currentRate: sum('currentRate'),
  }
}

function mergeResults(results: LoadResult[], pids: number[]): LoadProcessesReport {
  const reports = results.map((r) => r.report)
  const latency = createHistogram()
  for (const r of results) merge(latency, r.latency)
  const sum = (f: (r: LoadReport) => number) => reports.reduce((n, r) => n + f(r), 0)
  const max = (f: (r: LoadReport) => number) => Math.max(...reports.map(f))
  const reasons = (f: (r: LoadReport) => Record<string, number>) => {
    const out: Record<string, number> = {}
    for (const r of reports) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v
    return out
  }
  const first = reports[0]!
  const sent = sum((r) => r.sent)
  const acked = sum((r) => r.acked)
  const publishMs = max((r) => r.publishMs)
  const completeMs = max((r) => r.completeMs)
  const p50 = quantile(latency, 0.5)
  const p99 = quantile(latency, 0.99)
  return {
    devices: sum((r) => r.devices),
    connections: sum((r) => r.connections),
    qos: first.qos,
    targetRate: sum((r) => r.targetRate),
    connected: sum((r) => r.connected),
    connectFailures: sum((r) => r.connectFailures),
    connectFailureReasons: reasons((r) => r.connectFailureReasons),
    connectMs: max((r) => r.connectMs),
    sent,
    acked,
    unacked: sum((r) => r.unacked),
    errors: sum((r) => r.errors),
    errorReasons: reasons((r) => r.errorReasons),
    publishMs,
    completeMs,
    achievedRate: publishMs > 0 ? (sent * 1000) / publishMs : 0,
    completedRate: completeMs > 0 ? ((first.qos === 0 ? sent : acked) * 1000) / completeMs : 0,
    ackLatencyMs: p50 === null || p99 === null ? null : { p50, p99, max: latency.maxMs },
    stoppedBy: first.stoppedBy,
    lastSeq: new Map(reports.flatMap((r) => [...r.lastSeq])),
    perProcess: reports.map(({ lastSeq: _, ...r }) => r),
    pids,
  }
}
