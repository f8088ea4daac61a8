import { describe, expect, it } from 'vitest'
import { toLine } from './line-protocol.ts'

describe('toLine', () => {
  it('writes one float field, the resultTime as integer field and a millisecond timestamp', () => {
    expect(
      toLine({
        datastreamId: 12,
        phenomenonTime: '2026-11-22T08:00:00.001Z',
        resultTime: '2026-11-22T09:00:00.250+01:00',
        result: 21.5,
      }),
    ).toBe('urbantwin,datastream=12 result=21.5,result_time=1795334400250i 1795334400001')
  })

  it('refuses what line protocol or the engines cannot hold', () => {
    const p = {
      datastreamId: 1,
      phenomenonTime: '2026-01-01T00:00:00Z',
      resultTime: '2026-01-01T00:00:00Z',
      result: 1,
    }
    expect(() => toLine({ ...p, result: Number.NaN })).toThrow(RangeError)
    expect(() => toLine({ ...p, datastreamId: 0 })).toThrow(RangeError)
  })
})
