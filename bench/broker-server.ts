/**
 * Child process of `npm run bench:broker`: one broker under test, alone in its process so that its CPU
 * and RSS are its own.
 *
 *   tsx bench/broker-server.ts ours|aedes --credentials FILE --cert PEM --key PEM [--max-connections N]
 *                              [--wal-dir DIR] [--no-fsync]
 *
 * `ours`: `createBroker` from @urbantwin/broker with hashed device tokens, the ACL and a real WAL (fsync
 * on, the default) in a temp dir, committed every second to its last record as the ingest consumer
 * would after storing (the records themselves are not read: the bench measures the broker).
 * `aedes`: the same aedes, `Aedes.createBroker()` without hooks.
 * Both listen on 127.0.0.1 (TCP, and TLS ≥ 1.2 with the given certificate) on free ports, print
 * `{"tcp":…,"tls":…}` on stdout, and on SIGTERM close, print their stats as one JSON line and exit.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { parseArgs } from 'node:util'
import type { Duplex } from 'node:stream'
import { Aedes } from 'aedes'
import { createBroker, hashToken, type BrokerDeps } from '@urbantwin/broker'
import type { Logger } from '@urbantwin/model'
import { openWal, type MqttAccount } from '@urbantwin/store'
import { Credentials, type ServerStats } from './broker-wire.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    credentials: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'max-connections': { type: 'string', default: '12000' },
    /** Where the WAL goes (default: a new temp dir); removed on SIGTERM. */
    'wal-dir': { type: 'string' },
    /** Diagnostic only: a crash could then lose acknowledged messages. */
    'no-fsync': { type: 'boolean', default: false },
  },
})
const variant = positionals[0]
if ((variant !== 'ours' && variant !== 'aedes') || !values.credentials || !values.cert || !values.key)
  throw new Error('usage: broker-server.ts ours|aedes --credentials FILE --cert PEM --key PEM')

let warnings = 0
/** Counts what the broker logs at warn and above; the first few go to stderr, the rest are only counted. */
const countingLogger = (): Logger => {
  const note = (level: string) => (obj: object, msg?: string) => {
    if (++warnings <= 5) process.stderr.write(`broker-server ${level}: ${msg} ${JSON.stringify(obj)}\n`)
  }
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: note('warn'),
    error: note('error'),
    child: () => log,
  }
  return log
}

/** The file system type the WAL's directory is on: fsync on tmpfs costs nothing and proves nothing. */
function fsTypeOf(dir: string): string {
  const real = realpathSync(dir)
  let best = { at: '', type: 'unknown' }
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, at, type] = line.split(' ')
    if (at && type && (real === at || real.startsWith(at.endsWith('/') ? at : `${at}/`)))
      if (at.length >= best.at.length) best = { at, type }
  }
  return best.type
}

/** Milliseconds in 0.05 ms buckets up to 5 s (the last bucket holds everything longer). */
function durableHistogram() {
  const buckets = new Uint32Array(100_000)
  let count = 0
  return {
    add(ms: number) {
      buckets[Math.min(buckets.length - 1, Math.floor(ms * 20))]!++
      count++
    },
    quantile(q: number): number | null {
      if (count === 0) return null
      for (let i = 0, seen = 0; i < buckets.length; i++) {
        seen += buckets[i]!
        if (seen >= q * count) return (i + 1) / 20
      }
      return null
    },
  }
}
let appends = 0

let handle: (stream: Duplex) => void
let closeBroker: () => Promise<void>
let walStats: () => ServerStats['wal'] = () => null

if (variant === 'ours') {
  const creds = Credentials.parse(JSON.parse(readFileSync(values.credentials, 'utf8')))
  const accounts = new Map<string, MqttAccount>()
  for (const [deviceId, token] of creds.devices)
    accounts.set(deviceId, { username: deviceId, passwordHash: hashToken(token), role: 'device', deviceId })
  // only an admin may read every device's uplinks (a gateway reads orders and downlinks: see policy.ts)
  accounts.set(creds.subscriber.username, {
    username: creds.subscriber.username,
    passwordHash: hashToken(creds.subscriber.password),
    role: 'admin',
    deviceId: null,
  })
  const dir = values['wal-dir'] ?? mkdtempSync(join(tmpdir(), 'ut-bench-broker-wal-'))
  const fsync = !values['no-fsync']
  // defaults: fsync on, 1 GiB maxBytes, 2 ms group commit
  const wal = await openWal({ dir, ...(!fsync && { fsync: false }) })
  const durable = durableHistogram()
  let peakBytes = 0
  let commits = 0
  const checkpointer = setInterval(() => {
    const s = wal.stats()
    peakBytes = Math.max(peakBytes, s.bytes)
    wal.commit(s.lastSeq).then(
      () => commits++,
      (err: Error) => process.stderr.write(`broker-server: WAL commit failed: ${err.message}\n`),
    )
  }, 1000)
  const deps: BrokerDeps & { limits?: { maxConnections: number } } = {
    log: countingLogger(),
    account: (username) => Promise.resolve(accounts.get(username) ?? null),
    wal: {
      append(m) {
        const appended = wal.append(m)
        if (++appends % 16 === 0) {
          const t0 = performance.now()
          appended.then(
            () => durable.add(performance.now() - t0),
            () => {},
          )
        }
        return appended
      },
    },
    // the connection test needs more than the default; the per-IP connect rate exempts loopback
    limits: { maxConnections: Number(values['max-connections']) },
  }
  const broker = await createBroker(deps)
  const fsType = fsTypeOf(dir)
  handle = broker.handle
  walStats = () => {
    const s = wal.stats()
    return {
      appended: s.lastSeq,
      fsyncs: s.fsyncs,
      peakBytes: Math.max(peakBytes, s.bytes),
      maxBytes: s.maxBytes,
      commits,
      fsType,
      fsync,
      durableP50Ms: durable.quantile(0.5),
      durableP99Ms: durable.quantile(0.99),
    }
  }
  closeBroker = async () => {
    clearInterval(checkpointer)
    await broker.close()
    const stats = walStats()
    await wal.close()
    walStats = () => stats
    rmSync(dir, { recursive: true, force: true })
  }
} else {
  const aedes = await Aedes.createBroker()
  handle = (stream) => aedes.handle(stream)
  closeBroker = () => new Promise<void>((resolve) => aedes.close(() => resolve()))
}

const tcp = net.createServer(handle)
const secure = tls.createServer(
  { cert: readFileSync(values.cert), key: readFileSync(values.key), minVersion: 'TLSv1.2' },
  handle,
)
const listen = (server: net.Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
      resolve((server.address() as net.AddressInfo).port),
    )
  })
process.stdout.write(`${JSON.stringify({ tcp: await listen(tcp), tls: await listen(secure) })}\n`)

process.once('SIGTERM', () => {
  setTimeout(() => process.exit(2), 10_000).unref()
  tcp.close()
  secure.close()
  closeBroker().then(
    () => {
      const stats: ServerStats = { warnings, wal: walStats() }
      process.stdout.write(`${JSON.stringify(stats)}\n`, () => process.exit(0))
    },
    (err: Error) => {
      process.stderr.write(`broker-server: close failed: ${err.message}\n`)
      process.exit(1)
    },
  )
})
