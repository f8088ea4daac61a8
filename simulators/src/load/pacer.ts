/**
 * Token bucket for a target message rate. Pure: the caller passes `now` (ms). Tokens accrue at
 * `rate` per second up to `burst`, so a stall is not followed by an unbounded catch-up burst.
 */
export type Pacer = { rate: number; burst: number; tokens: number; at: number }

export function createPacer(rate: number, now: number, burst = Math.max(1, Math.ceil(rate / 20))): Pacer {
  return { rate, burst, tokens: 0, at: now }
}

/** Whole messages that may go at `now` (also refills the bucket). */
export function available(p: Pacer, now: number): number {
  p.tokens = Math.min(p.burst, p.tokens + ((now - p.at) * p.rate) / 1000)
  p.at = now
  return Math.floor(p.tokens)
}

export function spend(p: Pacer, n: number): void {
  p.tokens -= n
}

/** Milliseconds until the next whole token. */
export function msUntilNext(p: Pacer): number {
  return p.tokens >= 1 ? 0 : ((1 - p.tokens) * 1000) / p.rate
}
