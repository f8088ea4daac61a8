import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export type LogLine = Record<string, unknown> & { msg?: string }

/** `npm start`'s process (platform/src/main.ts under tsx), on random ports with its own data dir. */
export type PlatformProcess = {
  child: ChildProcess
  dataDir: string
  httpPort: number
  mqttPort: number
  /** MQTT over TLS, when the platform was given a certificate. */
  mqttTlsPort: number | null
  base: string
  logs: LogLine[]
  stderr: string[]
  /** Waits for a log line matching `match`. */
  waitForLog: (match: (l: LogLine) => boolean, what: string, ms?: number) => Promise<LogLine>
  /** SIGTERM and wait for the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

const MAIN = fileURLToPath(import.meta.resolve('@urbantwin/platform/main'))
const TSX = import.meta.resolve('tsx')

export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'urbantwin-e2e-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function startPlatformProcess(opts: {
  dataDir: string
  env?: Record<string, string>
  readyTimeoutMs?: number
  /** Extra flags for node, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[]
}): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', TSX, MAIN], {
    cwd: opts.dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? opts.dataDir,
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      DATA_DIR: join(opts.dataDir, 'data'),
      LOG_LEVEL: 'info',
      // tests and benchmarks poll /v1.1 far faster than any client should; a test about the limit sets it
      API_RATE_LIMIT_PER_MINUTE: '0',
      // the statistics import would interleave its ids with the devices' of tests that number them;
      // a test of the import (statistics.e2e) turns it on
      STATISTICS_IMPORT: 'false',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogLine[] = []
  const stderr: string[] = []
  const waiters = new Set<() => void>()
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let hasExited = false
  void exited.then(() => {
    hasExited = true
    for (const w of waiters) w()
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine)
    } catch {
      logs.push({ msg: line, raw: true })
    }
    for (const w of waiters) w()
  })
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line))

  const waitForLog = (match: (l: LogLine) => boolean, what: string, ms = 60_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match)
        if (found) return finish(() => resolve(found))
        if (hasExited) finish(() => reject(new Error(`platform exited before ${what}\n${stderr.join('\n')}`)))
      }
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), ms)
      const finish = (f: () => void) => {
        clearTimeout(timer)
        waiters.delete(check)
        f()
      }
      waiters.add(check)
      check()
    })

  const ready = await waitForLog(
    (l) => l.msg === 'platform ready',
    'platform ready',
    opts.readyTimeoutMs,
  ).catch((err: unknown) => {
    if (!hasExited) child.kill('SIGKILL') // never leave a half-started platform behind
    throw err
  })
  const httpPort = Number(ready.httpPort)
  return {
    child,
    dataDir: join(opts.dataDir, 'data'),
    httpPort,
    mqttPort: Number(ready.mqttPort),
    mqttTlsPort: typeof ready.mqttTlsPort === 'number' ? ready.mqttTlsPort : null,
    base: `http://127.0.0.1:${httpPort}`,
    logs,
    stderr,
    waitForLog,
    stop: async (signal = 'SIGTERM') => {
      if (!hasExited) child.kill(signal)
      return exited
    },
  }
}

/** Polls `probe` until it returns a value, without fixed sleeps in the tests themselves. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
