import type { Logger } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

const DAY = 86_400_000

/** Midnight (UTC) of the day `nowMs` falls in: what lies before it is compacted. */
export const startOfUtcDay = (nowMs: number) => Math.floor(nowMs / DAY) * DAY

/**
 * Compacts the store's Observations of past days (see `Store.compactObservations`) shortly after the
 * start and then every `everyMs`; a run never overlaps the previous one. Returns a stop function that
 * waits for a run in progress.
 */
export function scheduleCompaction(opts: {
  store: Pick<Store, 'compactObservations'>
  everyMs: number
  log: Logger
  firstAfterMs?: number
  now?: () => number
}): () => Promise<void> {
  const now = opts.now ?? Date.now
  let running: Promise<void> | null = null
  let stopped = false
  const run = () => {
    if (running || stopped) return
    const t0 = performance.now()
    running = opts.store
      .compactObservations(startOfUtcDay(now()))
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
