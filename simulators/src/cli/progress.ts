import cliProgress from 'cli-progress'

/** A live status line on stderr (cli-progress), quiet when stderr is not a terminal. */
export function statusLine(format: string): {
  update: (values: Record<string, string | number>) => void
  stop: () => void
} {
  const bar = new cliProgress.SingleBar(
    { format, hideCursor: true, clearOnComplete: false, noTTYOutput: false, stream: process.stderr, fps: 4 },
    cliProgress.Presets.rect,
  )
  let started = false
  return {
    update(values) {
      if (!started) {
        bar.start(1, 0, values)
        started = true
      } else bar.update(0, values)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/** Messages per second over the last interval, from a running total. */
export function rateMeter(): (total: number) => number {
  let last = { at: performance.now(), total: 0 }
  let rate = 0
  return (total) => {
    const now = performance.now()
    if (now - last.at >= 1000) {
      rate = ((total - last.total) * 1000) / (now - last.at)
      last = { at: now, total }
    }
    return Math.round(rate)
  }
}
