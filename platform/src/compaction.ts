import type { Logger } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

const DAY = 86_400_000

/**
 * What a busy store's compaction leaves in the recent table. Each API read of one Datastream scans
 * the recent table whole (21,000 Observations a second make 1.3 million a minute), and duplicates
 * are found in both tables, so little needs to wait there.
 */
export const KEEP_RECENT_MS = 10_000

/** Midnight (UTC) of the day `nowMs` falls in: what lies before it is compacted. */
export const startOfUtcDay = (nowMs: number) => Math.floor(nowMs / DAY) * DAY

/**
 * Compacts the store's recent Observations (see `Store.compactObservations`) shortly after the start
 * and then every `everyMs`; a run never overlaps the previous one. A run moves what lies before today
 * (UTC); once `minRows` or more wait in the recent table, it moves all but the last `keepRecentMs`,
 * so that a busy store's recent table stays small enough to scan (it is in arrival order: reading
 * one Datastream there reads all of it). Returns a stop function that waits for a run in progress.
 */
export function scheduleCompaction(opts: {
  store: Pick<Store, 'compactObservations' | 'recentObservations'>
  everyMs: number
  /** Recent rows from which a run does not wait for the end of the day; 0 = always wait. */
  minRows?: number
  keepRecentMs?: number
  log: Logger
  firstAfterMs?: number
  now?: () => number
}): () => Promise<void> {
  const now = opts.now ?? Date.now
  const minRows = opts.minRows ?? 0
  let running: Promise<void> | null = null
  let stopped = false
  const cutOff = async () => {
    const t = now()
    if (minRows > 0 && (await opts.store.recentObservations()) >= minRows)
      return t - (opts.keepRecentMs ?? KEEP_RECENT_MS)
    return startOfUtcDay(t)
  }
  const run = () => {
    if (running || stopped) return
    const t0 = performance.now()
    running = cutOff()
      .then((beforeMs) => opts.store.compactObservations(beforeMs))
      .then(({ moved }) => {
        if (moved > 0)
          opts.log.info({ moved, ms: Math.round(performance.now() - t0) }, 'observations compacted')
      })
      .catch((err: unknown) => opts.log.warn({ err }, 'compaction failed; it is tried again at the next run'))
      .finally(() => (running = null))
  }
  const first = setTimeout(run, opts.firstAfterMs ?? 10_000)
  const every = setInterval(run, opts.everyMs)
  first.unref()
  every.unref()
  return async () => {
    stopped = true
    clearTimeout(first)
    clearInterval(every)
    await running
  }
}
