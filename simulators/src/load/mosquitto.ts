import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/**
 * Debian's mosquitto on 127.0.0.1 and a free port, for load tests and `bench:sim`: a generated
 * config in a temp dir, no persistence, log to a file; ready when the port accepts a connection.
 * Stopped by PID (SIGTERM, then SIGKILL).
 */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto'
export const MOSQUITTO_MISSING = `mosquitto not found at ${MOSQUITTO_BIN}: apt-get install -y --no-install-recommends mosquitto`

export type Mosquitto = { url: string; port: number; pid: number; logFile: string; stop(): Promise<void> }

export function mosquittoAvailable(bin = MOSQUITTO_BIN): boolean {
  return existsSync(bin)
}

/** `extraConfig`: more mosquitto.conf lines, e.g. `max_inflight_messages 0`. */
export async function startMosquitto(
  opts: { extraConfig?: string[]; bin?: string } = {},
): Promise<Mosquitto> {
  const bin = opts.bin ?? MOSQUITTO_BIN
  if (!mosquittoAvailable(bin)) throw new Error(MOSQUITTO_MISSING)
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, await freePort(), opts.extraConfig ?? [])
    } catch (err) {
      if (attempt >= 3) throw err // the port may have been taken between probe and bind: retry
    }
  }
}

async function startOnce(bin: string, port: number, extra: string[]): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'urbantwin-mosquitto-'))
  const logFile = join(dir, 'mosquitto.log')
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information', // "… running" is our readiness signal, with the port accepting
      // run as root, mosquitto drops to the `mosquitto` user, which cannot write our temp dir
      `user ${userInfo().username}`,
      ...extra,
      '',
    ].join('\n'),
  )
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let gone = false
  void exited.then(() => (gone = true))
  const stop = async () => {
    if (!gone && child.pid) process.kill(child.pid, 'SIGTERM')
    const timer = setTimeout(() => !gone && child.pid && process.kill(child.pid, 'SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  const running = () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes(' running')
  while (!(running() && (await accepts(port)))) {
    if (gone || Date.now() > deadline) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
      await stop()
      throw new Error(`mosquitto did not start on port ${port}:\n${log}`)
    }
    await new Promise<void>((r) => setTimeout(r, 10)) // poll interval, not a wait for time to pass
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, pid: child.pid!, logFile, stop }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}
