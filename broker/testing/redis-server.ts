import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

export const REDIS_BIN = '/usr/bin/redis-server'
export const REDIS_MISSING = `redis-server not found at ${REDIS_BIN}: apt-get install -y --no-install-recommends redis-server`

export type RedisServer = { url: string; port: number; pid: number; stop(): Promise<void> }

/** A port free on 127.0.0.1 right now (a server that binds it later may still lose a race for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Debian's redis-server on 127.0.0.1 and a free port, with a temp dir and no snapshots, for tests and
 * benchmarks; resolves once it answers PING. `stop()` ends it by PID.
 */
export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_BIN)) throw new Error(REDIS_MISSING)
  const dir = mkdtempSync(join(tmpdir(), 'ut-redis-'))
  const port = await freePort()
  const child = spawn(
    REDIS_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    {
      stdio: 'ignore',
    },
  )
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let gone = false
  void exited.then(() => (gone = true))
  const stop = async () => {
    if (!gone && child.pid) process.kill(child.pid, 'SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {}) // refused until the server is up: the loop below retries
  const deadline = Date.now() + 10_000
  try {
    for (;;) {
      const pong = await probe
        .connect()
        .then(() => probe.ping())
        .catch(() => null)
      if (pong === 'PONG') break
      probe.disconnect()
      if (gone || Date.now() > deadline) {
        await stop()
        throw new Error(`redis-server did not start on port ${port}`)
      }
      await new Promise((r) => setTimeout(r, 20)) // poll interval
    }
  } finally {
    probe.disconnect()
  }
  return { url, port, pid: child.pid!, stop }
}
