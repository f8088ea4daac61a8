import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FILL_BANDS, FILL_COLOURS, fillBand, fillColour } from './fill-colour.ts'

describe('fillBand', () => {
  it.each([
    [0, 'low'],
    [49.99, 'low'],
    [50, 'medium'],
    [79.9, 'medium'],
    [80, 'full'],
    [100, 'full'],
    [null, 'unknown'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
  ] as const)('%s %% is %s', (level, band) => {
    expect(fillBand(level)).toBe(band)
  })

  it('keeps out-of-range readings in the nearest band', () => {
    expect(fillBand(-3)).toBe('low')
    expect(fillBand(120)).toBe('full')
  })

  it('is monotonic: a fuller container is never in a lower band', () => {
    const rank = (l: number) => FILL_BANDS.indexOf(fillBand(l))
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 110, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (a, d) => {
          expect(rank(a + d)).toBeGreaterThanOrEqual(rank(a))
        },
      ),
    )
  })
})

describe('fillColour', () => {
  it('gives each band its own colour', () => {
    expect(new Set(Object.values(FILL_COLOURS)).size).toBe(FILL_BANDS.length)
    expect(fillColour(85)).toBe(FILL_COLOURS.full)
    expect(fillColour(null)).toBe(FILL_COLOURS.unknown)
  })
})
