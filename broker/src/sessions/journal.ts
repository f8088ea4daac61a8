import { writeSync } from 'node:fs'
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Logger } from '@urbantwin/model'
import { syncDir } from '@urbantwin/store'
import { SessionState, type SessionRecord } from './state.ts'

export type SessionStoreOptions = {
  /** The journal file (created with its directory). */
  path: string
  log: Logger
  /**
   * fsync the journal at most this often (ms). Changes are written to the file (the page cache) at the end
   * of the event-loop turn that made them, before the broker answers the client (SUBACK, PUBREC; not a
   * QoS 1 PUBACK, which aedes sends before it routes); a power loss can take back the last `syncMs`.
   * 0: every change is fsynced before the broker goes on.
   */
  syncMs?: number
  /** Rewrite the journal as a snapshot once this much was appended, or twice the last snapshot (bytes). */
  compactBytes?: number
  /** Messages queued for one persistent session before new ones are dropped (mosquitto's max_queued_messages). */
  maxQueuedPerClient?: number
}

export type SessionStoreStats = {
  /** Bytes in the journal file. */
  bytes: number
  /** Persistent sessions (clients with stored subscriptions). */
  sessions: number
  /** Messages queued or in flight for persistent sessions. */
  queued: number
  retained: number
  /** Messages not queued because a session's queue was full, since start. */
  dropped: number
  compactions: number
  /** Lines of the journal that could not be read at start (a torn last write, or damage). */
  unreadable: number
}

/** The broker's session state, journalled to a file: what `createBroker({ sessions })` takes. */
export type SessionStore = {
  /** aedes' persistence. */
  persistence: SessionState
  stats(): SessionStoreStats
  /** Writes what is pending, fsyncs and closes the file (after the broker closed). */
  close(): Promise<void>
}

export const SESSION_DEFAULTS = { syncMs: 1000, compactBytes: 64 * 1024 * 1024, maxQueuedPerClient: 1000 }

/** Buffers as `{"$b":"<base64>"}`: payloads are binary. */
export function encodeRecord(r: SessionRecord): string {
  return (
    JSON.stringify(r, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key]
      return raw instanceof Uint8Array ? { $b: Buffer.from(raw).toString('base64') } : value
    }) + '\n'
  )
}

export function decodeRecord(line: string): SessionRecord {
  const r = JSON.parse(line, (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$b' in value && typeof value.$b === 'string')
      return Buffer.from(value.$b, 'base64')
    return value
  }) as SessionRecord
  if (!r || typeof r !== 'object' || typeof r.op !== 'string') throw new Error('not a session record')
  return r
}

/**
 * Opens (or creates) the journal, replays it, and rewrites it as a snapshot. From then on every change of the
 * session state is appended; writes of one tick share one `write`.
 */
export async function openSessionStore(opts: SessionStoreOptions): Promise<SessionStore> {
  const { path, log } = opts
  const syncMs = opts.syncMs ?? SESSION_DEFAULTS.syncMs
  const compactBytes = opts.compactBytes ?? SESSION_DEFAULTS.compactBytes
  await mkdir(dirname(path), { recursive: true })

  let pending: string[] = []
  let waiting: { resolve: () => void; reject: (err: Error) => void }[] = []
  let batch: Promise<void> | null = null
  let pumping = false
  let closed = false
  const state = new SessionState({
    maxQueuedPerClient: opts.maxQueuedPerClient ?? SESSION_DEFAULTS.maxQueuedPerClient,
    record: (r) => {
      if (closed) return Promise.resolve() // aedes tidying up after close: nothing left to keep it for
      pending.push(encodeRecord(r))
      if (!batch) {
        batch = new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }))
        batch.catch(() => {}) // the callers see the failure; none of them may be waiting
      }
      if (!pumping) {
        pumping = true
        setImmediate(pump)
      }
      return batch
    },
  })

  const unreadable = await replay(state, path, log)
  let fh: FileHandle
  let bytes = 0
  let snapshotBytes = 0
  let compactions = 0
  /**
   * Writes the state as it is now to a new file that replaces the journal. The snapshot holds the changes
   * still pending too: they are taken off the queue, and their callers answered once the snapshot is on disk.
   */
  const compact = async () => {
    const lines = Array.from(state.snapshot(), encodeRecord)
    const covered = { lines: pending, waiting }
    pending = []
    waiting = []
    batch = null
    const tmp = `${path}.tmp`
    try {
      const out = await open(tmp, 'w')
      let size = 0
      try {
        for (let i = 0; i < lines.length; i += 4096)
          size += (await out.write(lines.slice(i, i + 4096).join(''))).bytesWritten
        await out.sync()
      } finally {
        await out.close()
      }
      await rename(tmp, path)
      await syncDir(dirname(path))
      bytes = snapshotBytes = size
    } catch (err) {
      // the old journal stays: what was pending still has to go there
      pending = covered.lines.concat(pending)
      waiting = covered.waiting.concat(waiting)
      throw err
    }
    for (const w of covered.waiting) w.resolve()
  }
  // a snapshot taken now: what was replayed, without the changes that were undone since
  await compact()
  fh = await open(path, 'a')

  let dirty = false
  let syncing: Promise<void> | null = null
  /** fsyncs what was written before this call (waits for an fsync in flight, which may have started earlier). */
  const sync = async (): Promise<void> => {
    await syncing?.catch(() => {}) // its failure was reported to its caller
    if (!dirty) return
    dirty = false
    syncing = fh.sync().then(
      () => {
        syncing = null
      },
      (err: unknown) => {
        syncing = null
        dirty = true
        log.error({ err }, 'mqtt session journal fsync failed')
        throw err
      },
    )
    await syncing
  }
  const timer = syncMs > 0 ? setInterval(() => sync().catch(() => {}), syncMs).unref() : null

  async function pump() {
    while (pending.length > 0) {
      const lines = pending
      const done = waiting
      pending = []
      waiting = []
      batch = null
      try {
        // synchronously, on this thread: in the file (page cache) before anything else runs, so a kill right
        // after the broker went on loses nothing; an async write could wait behind a busy thread pool
        const data = Buffer.from(lines.join(''), 'utf8')
        for (let at = 0; at < data.length;) at += writeSync(fh.fd, data, at)
        bytes += data.length
        dirty = true
        if (syncMs === 0) await sync()
        for (const w of done) w.resolve()
      } catch (err) {
        log.error({ err }, 'mqtt session journal write failed')
        for (const w of done) w.reject(err as Error)
      }
      if (bytes - snapshotBytes > Math.max(compactBytes, snapshotBytes)) {
        // changes arriving meanwhile wait in `pending` and go to the new file, after the snapshot
        try {
          await syncing?.catch(() => {})
          const old = fh
          await compact()
          fh = await open(path, 'a')
          await old.close()
          compactions++
        } catch (err) {
          log.error({ err }, 'mqtt session journal compaction failed')
          snapshotBytes = bytes // try again after as much more
        }
      }
    }
    pumping = false
  }

  return {
    persistence: state,
    stats: () => ({ bytes, ...state.counts(), compactions, unreadable }),
    close: async () => {
      if (closed) return
      if (timer) clearInterval(timer)
      while (pumping) await new Promise((r) => setImmediate(r))
      closed = true
      await sync()
      await fh.close()
    },
  }
}

/** Applies the journal's records to `state`; the number of lines it could not read (logged). */
async function replay(state: SessionState, path: string, log: Logger): Promise<number> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  const lines = text.split('\n')
  // the last line has no newline after it: a write torn by a crash (or nothing, after a final newline)
  const torn = lines.pop() ?? ''
  let unreadable = torn === '' ? 0 : 1
  state.replaying = true
  try {
    for (const [i, line] of lines.entries()) {
      if (line === '') continue
      try {
        state.apply(decodeRecord(line))
      } catch (err) {
        unreadable++
        log.warn({ path, line: i + 1, err: (err as Error).message }, 'mqtt session journal: line skipped')
      }
    }
  } finally {
    state.replaying = false
  }
  if (torn !== '') log.warn({ path, bytes: torn.length }, 'mqtt session journal: torn last write dropped')
  const { sessions, queued, retained } = state.counts()
  log.info({ path, sessions, queued, retained, unreadable }, 'mqtt sessions restored')
  return unreadable
}
