import type { Logger } from '@urbantwin/model'
import type { Wal, WalRecord } from '@urbantwin/store'

export type ConsumerOptions = {
  wal: Pick<Wal, 'read' | 'commit' | 'checkpoint' | 'onDurable'>
  handle: (records: readonly WalRecord[]) => Promise<void>
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
  now?: () => number
}

export type ConsumerStats = {
  retries: number
  lastError: string | null
  storeDownSince: string | null
  /** Last WAL record handed to the store (the checkpoint may lag behind it by commitLagMs). */
  consumedSeq: number
}

export type WalConsumer = {
  start(): void
  /** Stops after the batch in hand; the checkpoint stays at what was stored. */
  stop(): Promise<void>
  /** Resolves once everything durable at call time has been handled. */
  caughtUp(): Promise<void>
  stats(): ConsumerStats
}

/**
 * Reads the WAL from the checkpoint, hands batches to ingest and advances the checkpoint only after
 * the store confirmed them. A failing store is retried with backoff: the WAL is the spool.
 */
export function createWalConsumer(opts: ConsumerOptions): WalConsumer {
  const batchSize = opts.batchSize ?? 500
  const minBackoff = opts.minBackoffMs ?? 100
  const maxBackoff = opts.maxBackoffMs ?? 10_000
  const commitLagMs = opts.commitLagMs ?? 0
  const now = opts.now ?? Date.now
  const stats: ConsumerStats = {
    retries: 0,
    lastError: null,
    storeDownSince: null,
    consumedSeq: opts.wal.checkpoint(),
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
  let wake: (() => void) | null = null
  let sleepTimer: NodeJS.Timeout | null = null
  const idleWaiters: Array<() => void> = []
  let offDurable: (() => void) | null = null

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve
      sleepTimer = setTimeout(resolve, ms)
    }).finally(() => {
      wake = null
      if (sleepTimer) clearTimeout(sleepTimer)
    })

  async function run() {
    let backoff = minBackoff
    while (running) {
      await commitDue()
      const batch = await opts.wal.read(stats.consumedSeq, batchSize)
      if (batch.length === 0) {
        for (const w of idleWaiters.splice(0)) w()
        await sleep(commitLagMs > 0 ? Math.min(1000, commitLagMs) : 1000)
        continue
      }
      try {
        await opts.handle(batch)
        stats.consumedSeq = batch.at(-1)!.seq
        confirmed.push({ seq: stats.consumedSeq, at: now() })
        await commitDue()
        if (stats.storeDownSince)
          opts.log.info({ downSince: stats.storeDownSince }, 'store reachable again, catching up')
        stats.storeDownSince = null
        backoff = minBackoff
      } catch (err) {
        // replay the uncommitted window too: an engine that failed may have lost what it acknowledged
        stats.consumedSeq = opts.wal.checkpoint()
        confirmed.length = 0
        stats.retries++
        stats.lastError = (err as Error).message
        stats.storeDownSince ??= new Date().toISOString()
        opts.log.error(
          { err: stats.lastError, retryInMs: backoff, walSeq: batch[0]!.seq },
          'storing a WAL batch failed, will retry',
        )
        await sleep(backoff)
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
      wake?.()
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
