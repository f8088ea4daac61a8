import type { Logger } from '@urbantwin/model'
import type { Wal, WalRecord } from '@urbantwin/store'

export type ConsumerOptions<P = readonly WalRecord[]> = {
  wal: Pick<Wal, 'read' | 'commit' | 'checkpoint' | 'onDurable'>
  /**
   * Work on a batch that does not touch the store's write path (decoding). It runs for the next batch
   * while the store is still writing the previous one. Omit it to hand the records to `handle` as they are.
   */
  prepare?: (records: readonly WalRecord[]) => Promise<P>
  /** Stores a (prepared) batch; throws when the store fails, and the batch is retried. */
  handle: (prepared: P) => Promise<void>
  log: Logger
  batchSize?: number
  /** Retry delays grow from `minBackoffMs` to `maxBackoffMs` while the store is down. */
  minBackoffMs?: number
  maxBackoffMs?: number
  /**
   * Keep records in the WAL this long after the store confirmed them before the checkpoint passes
   * them: engines that acknowledge before their data is on disk (VictoriaMetrics) can lose the last
   * seconds in a crash, and the WAL replays them (writes are idempotent). 0 for the embedded store.
   */
  commitLagMs?: number
  /**
   * A batch that is not full is read no sooner than this long after the previous one began, so that
   * a steady stream is stored in fewer, larger batches (each costs the store a transaction, and the
   * embedded store an fsync). It delays when a reading can be queried by up to this much.
   */
  gatherMs?: number
  now?: () => number
}

export type ConsumerStats = {
  retries: number
  lastError: string | null
  storeDownSince: string | null
  /** Last WAL record handed to the store (the checkpoint may lag behind it by commitLagMs). */
  consumedSeq: number
  /**
   * When the oldest record read from the WAL but not yet stored was received (null when everything read
   * is stored): now minus this is how far ingest lags behind the broker.
   */
  unstoredSince: string | null
}

export type WalConsumer = {
  start(): void
  /** Stops after the batch in hand; the checkpoint stays at what was stored. */
  stop(): Promise<void>
  /** Resolves once everything durable at call time has been handled. */
  caughtUp(): Promise<void>
  stats(): ConsumerStats
}

/** A store write taking this long is logged: publish → queryable latency is at least that. */
const SLOW_STORE_MS = 1000

/**
 * Reads the WAL from the checkpoint, hands batches to ingest and advances the checkpoint only after
 * the store confirmed them. A failing store is retried with backoff: the WAL is the spool.
 */
export function createWalConsumer<P = readonly WalRecord[]>(opts: ConsumerOptions<P>): WalConsumer {
  const prepare = opts.prepare ?? ((records: readonly WalRecord[]) => Promise.resolve(records as P))
  const batchSize = opts.batchSize ?? 2000
  const minBackoff = opts.minBackoffMs ?? 100
  const maxBackoff = opts.maxBackoffMs ?? 10_000
  const commitLagMs = opts.commitLagMs ?? 0
  const now = opts.now ?? Date.now
  const stats: ConsumerStats = {
    retries: 0,
    lastError: null,
    storeDownSince: null,
    consumedSeq: opts.wal.checkpoint(),
    unstoredSince: null,
  }
  /** Stored but not yet checkpointed: (seq, when the store confirmed it). */
  const confirmed: Array<{ seq: number; at: number }> = []
  async function commitDue(force = false) {
    let due: number | null = null
    while (confirmed.length && (force || now() - confirmed[0]!.at >= commitLagMs))
      due = confirmed.shift()!.seq
    if (due !== null) await opts.wal.commit(due)
  }
  let running = false
  let loop: Promise<void> | null = null
  /** Ends an idle wait: new durable records, caughtUp() or stop(). */
  let wake: (() => void) | null = null
  /** Ends any wait, a retry backoff too: only stop(). */
  let wakeForStop: (() => void) | null = null
  let sleepTimer: NodeJS.Timeout | null = null
  const idleWaiters: Array<() => void> = []
  let offDurable: (() => void) | null = null

  /**
   * Waits `ms`. An idle wait ends early when records arrive; a backoff does not (at 500 msgs/s new
   * records would otherwise turn it into ~10 retries a second against a store that is down).
   */
  const sleep = (ms: number, endsOnData = true) =>
    new Promise<void>((resolve) => {
      if (endsOnData) wake = resolve
      wakeForStop = resolve
      sleepTimer = setTimeout(resolve, ms)
    }).finally(() => {
      wake = null
      wakeForStop = null
      if (sleepTimer) clearTimeout(sleepTimer)
    })

  const gatherMs = opts.gatherMs ?? 0
  /** When the last batch was read: the next one that is not full waits until gatherMs after it. */
  let lastReadAt = -Infinity
  type Ahead = { batch: WalRecord[]; prepared: P | null }
  const fetchBatch = async (afterSeq: number): Promise<Ahead> => {
    let batch = await opts.wal.read(afterSeq, batchSize)
    const wait = lastReadAt + gatherMs - now()
    if (batch.length > 0 && batch.length < batchSize && wait > 0 && running) {
      await new Promise((resolve) => setTimeout(resolve, wait))
      // what arrived meanwhile, after what was read (the WAL reads on from where it stopped)
      batch = batch.concat(await opts.wal.read(batch.at(-1)!.seq, batchSize - batch.length))
    }
    if (batch.length > 0) lastReadAt = now()
    return { batch, prepared: batch.length > 0 ? await prepare(batch) : null }
  }

  async function run() {
    let backoff = minBackoff
    /** The next batch, read and prepared while the current one is being stored. */
    let ahead: Promise<Ahead> | null = null
    while (running) {
      let firstSeq: number | null = null
      try {
        await commitDue()
        const next = ahead ?? fetchBatch(stats.consumedSeq)
        ahead = null
        const { batch, prepared } = await next
        if (batch.length === 0) {
          stats.unstoredSince = null
          for (const w of idleWaiters.splice(0)) w()
          await sleep(commitLagMs > 0 ? Math.min(1000, commitLagMs) : 1000)
          continue
        }
        firstSeq = batch[0]!.seq
        stats.unstoredSince = batch[0]!.receivedAt
        ahead = fetchBatch(batch.at(-1)!.seq)
        ahead.catch(() => undefined) // its failure surfaces when it is awaited, or not at all after a stop
        const t0 = now()
        await opts.handle(prepared!)
        const took = now() - t0
        if (took >= SLOW_STORE_MS)
          opts.log.warn({ ms: took, records: batch.length, walSeq: firstSeq }, 'slow store write')
        stats.consumedSeq = batch.at(-1)!.seq
        confirmed.push({ seq: stats.consumedSeq, at: now() })
        await commitDue()
        if (stats.storeDownSince)
          opts.log.info({ downSince: stats.storeDownSince }, 'store reachable again, catching up')
        stats.storeDownSince = null
        backoff = minBackoff
      } catch (err) {
        // replay the uncommitted window too: an engine that failed may have lost what it acknowledged
        ahead = null
        stats.consumedSeq = opts.wal.checkpoint()
        confirmed.length = 0
        stats.retries++
        stats.lastError = (err as Error).message
        stats.storeDownSince ??= new Date().toISOString()
        opts.log.error(
          { err: stats.lastError, retryInMs: backoff, walSeq: firstSeq },
          'storing a WAL batch failed, will retry',
        )
        await sleep(backoff, false)
        backoff = Math.min(maxBackoff, backoff * 2)
      }
    }
  }

  return {
    start() {
      if (running) return
      running = true
      offDurable = opts.wal.onDurable(() => wake?.())
      loop = run()
    },
    async stop() {
      running = false
      offDurable?.()
      wakeForStop?.()
      await loop
      // on a clean stop the store has flushed (closed) next: a lagging checkpoint would only replay
      if (commitLagMs === 0) await commitDue(true)
      for (const w of idleWaiters.splice(0)) w()
    },
    caughtUp() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve)
        wake?.()
      })
    },
    stats: () => ({ ...stats }),
  }
}
