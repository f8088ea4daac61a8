import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, openSync, readFileSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'

/** The absolute path of a Debian-packaged server, or an error that says what to install. */
export function requireBinary(bin: string, aptPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']
  for (const dir of dirs.filter(Boolean)) {
    const path = join(dir, bin)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${bin} not found: this test needs the Debian package ${aptPackage} ` +
      `(apt-get install -y --no-install-recommends ${aptPackage})`,
  )
}

/** A port that was free a moment ago (the engine binds it next; callers retry on a clash). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

export type EngineProcess = {
  pid: number
  /** Signals the process by its PID and waits until it exited (SIGKILL after 10 s). */
  stop(signal?: NodeJS.Signals): Promise<void>
  log(): string
}

/**
 * Starts `bin args…` with output to `logFile` and polls `healthUrl` until `healthy` says so.
 * Rejects (with the log's tail) when the process exits first or the deadline passes.
 */
export async function startProcess(opts: {
  bin: string
  args: string[]
  logFile: string
  healthUrl: string
  healthy: (res: Response) => boolean
  timeoutMs?: number
}): Promise<EngineProcess> {
  const fd = openSync(opts.logFile, 'a')
  const child: ChildProcess = spawn(opts.bin, opts.args, { stdio: ['ignore', fd, fd] })
  closeSync(fd)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const log = () => readFileSync(opts.logFile, 'utf8')
  const fail = (why: string) => new Error(`${opts.bin} ${why}; log tail:\n${log().slice(-2000)}`)
  let alive = true
  void exited.then(() => (alive = false))

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!alive || child.pid === undefined) return
    process.kill(child.pid, signal)
    const timer = setTimeout(
      () => alive && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'),
      10_000,
    )
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  while (Date.now() < deadline) {
    if (!alive) throw fail(`exited with ${await exited}`)
    const ok = await fetch(opts.healthUrl, { signal: AbortSignal.timeout(1000) })
      .then((res) => opts.healthy(res))
      .catch(() => false)
    if (ok && child.pid !== undefined) return { pid: child.pid, stop, log }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop('SIGKILL')
  throw fail(`not healthy at ${opts.healthUrl} within the deadline`)
}
