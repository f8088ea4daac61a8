/**
 * `@iot.id` of observations held in a time-series engine (STA 8.2.7 needs an id per Observation, and
 * our model's ids are safe integers). An id is `block · 2^32 + (t - window · 2^32)`, where `t` is the
 * phenomenonTime in epoch ms, `window = floor(t / 2^32)` (spans of 2^32 ms ≈ 49.7 days, epoch-aligned)
 * and `block` numbers one (Datastream, window) pair in the registry's `series_id_blocks` table.
 *
 * - Exact and stable: an id names one Datastream and one millisecond, which is the series key;
 *   nothing per observation is stored anywhere but in the engine.
 * - Ids below 2^40 (blocks 0…255) stay the registry store's own observation ids (strings, flagged values).
 * - Capacity: blocks 256 … 2^21 − 1, i.e. about 2.1 million (Datastream, 49.7-day window) pairs ≈
 *   285,000 Datastream-years of data, e.g. 5,000 streams reporting all year round for 57 years.
 */
export const WINDOW_BITS = 32
export const WINDOW_MS = 2 ** WINDOW_BITS
export const FIRST_BLOCK = 2 ** 8
export const LAST_BLOCK = 2 ** 21 - 1
/** Smallest id of a time-series observation; everything below belongs to the registry store. */
export const FIRST_SERIES_ID = FIRST_BLOCK * WINDOW_MS

export function windowOf(ms: number): number {
  return Math.floor(ms / WINDOW_MS)
}

export function seriesId(block: number, ms: number): number {
  return block * WINDOW_MS + (ms - windowOf(ms) * WINDOW_MS)
}

export function isSeriesId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= FIRST_SERIES_ID
}

/** The block and the offset of `t` in its window, for ids from `seriesId`. */
export function splitSeriesId(id: number): { block: number; offset: number } | null {
  if (!isSeriesId(id)) return null
  const block = Math.floor(id / WINDOW_MS)
  return { block, offset: id - block * WINDOW_MS }
}
