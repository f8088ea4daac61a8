import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoOfMs } from './iso-time.ts'

describe('isoOfMs', () => {
  it('writes what Date#toISOString writes, for any time a Date holds (fast-check, 20,000 cases)', () => {
    const times = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.integer({ min: Date.UTC(1969, 0, 1), max: Date.UTC(2100, 0, 1) }),
      // runs on one day, and the milliseconds around midnight
      fc.integer({ min: 0, max: 86_400_000 }).map((d) => Date.UTC(2026, 10, 23) + d),
      fc.integer({ min: -2, max: 2 }).map((d) => Date.UTC(2026, 10, 24) + d),
    )
    fc.assert(
      fc.property(fc.array(times, { minLength: 1, maxLength: 20 }), (list) => {
        for (const ms of list) expect(isoOfMs(ms)).toBe(new Date(ms).toISOString())
      }),
      { numRuns: 20_000 },
    )
  }, 60_000) // 20,000 cases take under 2 s alone; the whole suite runs beside it

  it('keeps the years Date writes with six digits and fractions of a millisecond as Date does', () => {
    for (const ms of [Date.UTC(-1, 0, 1), Date.UTC(10000, 0, 1), Date.UTC(1970, 0, 1) - 1, 1.5, -0.5])
      expect(isoOfMs(ms)).toBe(new Date(ms).toISOString())
  })
})
