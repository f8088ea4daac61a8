import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FIRST_BLOCK,
  FIRST_SERIES_ID,
  LAST_BLOCK,
  WINDOW_MS,
  isSeriesId,
  seriesId,
  splitSeriesId,
  windowOf,
} from './series-ids.ts'

describe('series ids (block · 2^32 + offset in the window)', () => {
  it('round-trips every millisecond of every block as a safe integer above the registry ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: FIRST_BLOCK, max: LAST_BLOCK }),
        fc.integer({ min: -2 * 10 ** 12, max: 10 ** 13 }),
        (block, ms) => {
          const id = seriesId(block, ms)
          expect(Number.isSafeInteger(id)).toBe(true)
          expect(isSeriesId(id)).toBe(true)
          const parts = splitSeriesId(id)
          expect(parts).toEqual({ block, offset: ms - windowOf(ms) * WINDOW_MS })
          expect(windowOf(ms) * WINDOW_MS + parts!.offset).toBe(ms)
        },
      ),
    )
  })

  it('leaves ids below 2^40 to the registry store', () => {
    expect(FIRST_SERIES_ID).toBe(2 ** 40)
    expect(isSeriesId(2 ** 40 - 1)).toBe(false)
    expect(splitSeriesId(42)).toBeNull()
    expect(splitSeriesId(Number.MAX_SAFE_INTEGER)).toEqual({ block: LAST_BLOCK, offset: WINDOW_MS - 1 })
  })
})
