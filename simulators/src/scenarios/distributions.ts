import type { Rng } from '../rng.ts'

/** Poisson-distributed count (Knuth; fine for the small rates of one device-hour). */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)))
  const limit = Math.exp(-lambda)
  let k = 0
  let p = rng()
  while (p > limit) {
    k++
    p *= rng()
  }
  return k
}

/** Standard normal (Box–Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())
}

export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng()
}

/** True with probability `p`. */
export function chance(rng: Rng, p: number): boolean {
  return rng() < p
}
