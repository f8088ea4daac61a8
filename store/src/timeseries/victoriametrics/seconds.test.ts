import { describe, expect, it } from 'vitest'
import { seconds } from './victoriametrics.ts'

describe('seconds (query times for VictoriaMetrics)', () => {
  it('writes epoch ms as exact decimal seconds', () => {
    expect(seconds(1795334400001)).toBe('1795334400.001')
    expect(seconds(1795334399999)).toBe('1795334399.999')
    expect(seconds(0)).toBe('0.000')
    expect(seconds(-1)).toBe('-0.001')
    expect(seconds(-1500)).toBe('-1.500')
  })
})
