import { describe, expect, it } from 'vitest'
import { msOf, pageOfSamples } from './samples.ts'

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString()
const base = Date.UTC(2026, 0, 1)

describe('pageOfSamples', () => {
  const samples = [3, 1, 2, 2, 4].map((ms, i) => ({ ms: base + ms, result: i }))

  it('keeps one sample per millisecond (the last seen), sorts, bounds [from, to) and slices', () => {
    expect(pageOfSamples(7, samples, { limit: 10, offset: 0, order: 'asc' })).toEqual({
      items: [
        { datastreamId: 7, phenomenonTime: t(1), resultTime: t(1), result: 1 },
        { datastreamId: 7, phenomenonTime: t(2), resultTime: t(2), result: 3 },
        { datastreamId: 7, phenomenonTime: t(3), resultTime: t(3), result: 0 },
        { datastreamId: 7, phenomenonTime: t(4), resultTime: t(4), result: 4 },
      ],
      count: 4,
    })
    const page = pageOfSamples(7, samples, { from: t(2), to: t(4), limit: 1, offset: 1, order: 'desc' })
    expect({ times: page.items.map((p) => p.phenomenonTime), count: page.count }).toEqual({
      times: [t(2)],
      count: 2,
    })
  })

  it('uses the stored resultTime when there is one', () => {
    const [p] = pageOfSamples(7, [{ ms: base, result: 1, resultMs: base + 5 }], {
      limit: 1,
      offset: 0,
      order: 'asc',
    }).items
    expect(p?.resultTime).toBe(t(5))
  })

  it('refuses text that is no instant', () => {
    expect(() => msOf('yesterday')).toThrow(RangeError)
  })
})
