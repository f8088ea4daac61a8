import { EventEmitter } from 'node:events'
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Inbound } from '@urbantwin/model'
import { MAX_RECORD_BYTES, decodeRecord, encodeRecord, sizeIfUpTo, type WalRecord } from './record.ts'
import { listSegments, segmentName, type Segment } from './segments.ts'

export type WalOptions = {
  dir: string
  /** A new segment starts once the active one reaches this size. */
  segmentBytes?: number
  /** Disk use at which appends are refused (the broker then refuses publishes). */
  maxBytes?: number
  /** Group commit: appends arriving within this window share one fsync. */
  groupCommitMs?: number
  /** fsync each group commit (default). false only for benchmarks: a crash can then lose acked data. */
  fsync?: boolean
}

export type WalStats = {
  lastSeq: number
  checkpoint: number
  /** Records appended but not yet confirmed by the store. */
  backlog: number
  segments: number
  bytes: number
  maxBytes: number
  full: boolean
  fsyncs: number
}

export class WalFullError extends Error {
  constructor(bytes: number, max: number) {
    super(`write-ahead log full: ${bytes} of ${max} bytes used, publishes refused until ingest catches up`)
  }
}

export type Wal = {
  /** Appends a record; resolves with its sequence number once it is on disk (fsync). */
  append(msg: Inbound): Promise<number>
  /** Up to `max` durable records with seq > `afterSeq`, in order. */
  read(afterSeq: number, max: number): Promise<WalRecord[]>
  /** Called whenever new records became durable. */
  onDurable(listener: () => void): () => void
  checkpoint(): number
  /** Everything ≤ seq is stored: remember it and delete segments behind it. */
  commit(seq: number): Promise<void>
  stats(): WalStats
  close(): Promise<void>
}

const CHECKPOINT = 'checkpoint'

type Active = { segment: Segment; fh: FileHandle; size: number; durable: number }

/**
 * Segmented write-ahead log with group commit. Records become visible to readers only after their
 * fsync, so nothing is consumed that a crash could still take back.
 */
export async function openWal(opts: WalOptions): Promise<Wal> {
  const segmentBytes = opts.segmentBytes ?? 16 * 1024 * 1024
  const maxBytes = opts.maxBytes ?? 1024 * 1024 * 1024
  const groupCommitMs = opts.groupCommitMs ?? 2
  await mkdir(opts.dir, { recursive: true })
  const events = new EventEmitter()
  events.setMaxListeners(0)

  let checkpoint = await readCheckpoint(opts.dir)
  const segments = await listSegments(opts.dir)
  const sizes = new Map<string, number>()
  let lastSeq = checkpoint
  // Recover: find the last good record; cut a torn tail off the last segment.
  for (const [i, seg] of segments.entries()) {
    const buf = await readFile(seg.path)
    let offset = 0
    for (;;) {
      const d = decodeRecord(buf, offset)
      if (!('record' in d)) break
      lastSeq = Math.max(lastSeq, d.record.seq)
      offset += d.size
    }
    if (offset < buf.length) {
      if (i !== segments.length - 1)
        throw new Error(`WAL segment ${seg.path} is corrupt at byte ${offset}, not at its end`)
      const fh = await open(seg.path, 'r+')
      await fh.truncate(offset)
      await fh.sync()
      await fh.close()
    }
    sizes.set(seg.path, offset)
  }
  if (segments.length === 0 || lastSeq < checkpoint) lastSeq = Math.max(lastSeq, checkpoint)

  let active: Active = await openSegment(
    segments.at(-1) ?? { firstSeq: lastSeq + 1, path: join(opts.dir, segmentName(lastSeq + 1)) },
  )
  if (!segments.length) segments.push(active.segment)
  let bytes = [...sizes.values()].reduce((a, b) => a + b, 0)
  let nextSeq = lastSeq + 1
  let durableSeq = lastSeq
  let fsyncs = 0
  let pending: { buf: Buffer; seq: number; resolve: (seq: number) => void; reject: (err: Error) => void }[] =
    []
  let pendingBytes = 0
  let flushing: Promise<void> | null = null
  let timer: NodeJS.Timeout | null = null
  let closed = false

  async function openSegment(seg: Segment): Promise<Active> {
    const fh = await open(seg.path, 'a')
    const size = (await stat(seg.path)).size
    await syncDir(opts.dir)
    return { segment: seg, fh, size, durable: size }
  }

  async function flush(): Promise<void> {
    timer = null
    const batch = pending
    pending = []
    pendingBytes = 0
    if (batch.length === 0) return
    try {
      if (active.size >= segmentBytes) {
        await active.fh.close()
        const seg = { firstSeq: batch[0]!.seq, path: join(opts.dir, segmentName(batch[0]!.seq)) }
        segments.push(seg)
        active = await openSegment(seg)
      }
      const data = Buffer.concat(batch.map((p) => p.buf))
      await active.fh.write(data, 0, data.length, null)
      if (opts.fsync !== false) {
        await active.fh.datasync()
        fsyncs++
      }
      active.size += data.length
      active.durable = active.size
      sizes.set(active.segment.path, active.size)
      durableSeq = batch.at(-1)!.seq
      for (const p of batch) p.resolve(p.seq)
      events.emit('durable')
    } catch (err) {
      bytes -= batch.reduce((n, p) => n + p.buf.length, 0)
      for (const p of batch) p.reject(err as Error)
    }
  }

  function schedule() {
    if (flushing || timer) return
    timer = setTimeout(() => {
      flushing = flush().finally(() => {
        flushing = null
        if (pending.length) schedule()
      })
    }, groupCommitMs)
  }

  // Sequential reads keep their place: segment, offset and the seq found there.
  let cursor: { segmentIndex: number; offset: number; afterSeq: number } | null = null

  async function read(afterSeq: number, max: number): Promise<WalRecord[]> {
    const out: WalRecord[] = []
    let index: number
    let offset: number
    if (cursor && cursor.afterSeq === afterSeq && segments[cursor.segmentIndex]) {
      index = cursor.segmentIndex
      offset = cursor.offset
    } else {
      index = Math.max(
        0,
        segments.findLastIndex((s) => s.firstSeq <= afterSeq + 1),
      )
      offset = 0
    }
    let last = afterSeq
    while (index < segments.length && out.length < max) {
      const seg = segments[index]!
      const limit = seg === active.segment ? active.durable : (sizes.get(seg.path) ?? 0)
      if (offset < limit) {
        const fh = await open(seg.path, 'r')
        const length = Math.min(limit - offset, 4 * 1024 * 1024 + MAX_RECORD_BYTES)
        const buf = Buffer.allocUnsafe(length)
        const { bytesRead } = await fh.read(buf, 0, length, offset)
        await fh.close()
        const view = buf.subarray(0, bytesRead)
        let o = 0
        while (out.length < max) {
          const skip = sizeIfUpTo(view, o, afterSeq)
          if (skip > 0) {
            o += skip
            continue
          }
          const d = decodeRecord(view, o)
          if (!('record' in d)) break
          o += d.size
          out.push(d.record)
          last = d.record.seq
        }
        offset += o
        if (o > 0 && out.length < max && offset < limit) continue
      }
      if (out.length >= max || seg === active.segment) break
      index++
      offset = 0
    }
    cursor = { segmentIndex: index, offset, afterSeq: last }
    return out
  }

  return {
    append(msg) {
      if (closed) return Promise.reject(new Error('write-ahead log is closed'))
      if (msg.payload.byteLength > MAX_RECORD_BYTES) {
        return Promise.reject(
          new Error(`message of ${msg.payload.byteLength} bytes exceeds the WAL record limit`),
        )
      }
      if (bytes + pendingBytes >= maxBytes)
        return Promise.reject(new WalFullError(bytes + pendingBytes, maxBytes))
      const seq = nextSeq++
      const buf = encodeRecord({ ...msg, seq })
      pendingBytes += buf.length
      bytes += buf.length
      return new Promise((resolve, reject) => {
        pending.push({ buf, seq, resolve, reject })
        schedule()
      })
    },
    read,
    onDurable(listener) {
      events.on('durable', listener)
      return () => events.off('durable', listener)
    },
    checkpoint: () => checkpoint,
    async commit(seq) {
      if (seq <= checkpoint) return
      checkpoint = seq
      const tmp = join(opts.dir, `${CHECKPOINT}.tmp`)
      await writeFile(tmp, String(seq))
      await rename(tmp, join(opts.dir, CHECKPOINT))
      // delete whole segments behind the checkpoint (never the active one)
      while (segments.length > 1 && segments[1]!.firstSeq - 1 <= checkpoint) {
        const gone = segments.shift()!
        bytes -= sizes.get(gone.path) ?? 0
        sizes.delete(gone.path)
        await rm(gone.path, { force: true })
        // the cursor's segment may be the one just deleted: then it has to find its place anew
        if (cursor)
          cursor = cursor.segmentIndex === 0 ? null : { ...cursor, segmentIndex: cursor.segmentIndex - 1 }
      }
    },
    stats: () => ({
      lastSeq: durableSeq,
      checkpoint,
      backlog: Math.max(0, durableSeq - checkpoint),
      segments: segments.length,
      bytes,
      maxBytes,
      full: bytes >= maxBytes,
      fsyncs,
    }),
    async close() {
      if (closed) return
      closed = true
      if (timer) clearTimeout(timer)
      while (flushing) await flushing
      await flush()
      await active.fh.close()
    },
  }
}

async function readCheckpoint(dir: string): Promise<number> {
  try {
    const n = Number((await readFile(join(dir, CHECKPOINT), 'utf8')).trim())
    return Number.isSafeInteger(n) && n >= 0 ? n : 0
  } catch {
    return 0
  }
}

/** fsync a directory so a file created or renamed in it survives a crash (POSIX). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
