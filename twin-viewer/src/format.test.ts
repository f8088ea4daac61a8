import { describe, expect, it } from 'vitest'
import { formatClock, formatPercent, formatPhenomenonTime } from './format.ts'

describe('format', () => {
  it('shows the clock in Munich time', () => {
    expect(formatClock(new Date('2026-01-15T09:42:00Z'), 'de')).toBe('10:42')
    expect(formatClock(new Date('2026-07-15T08:42:00Z'), 'en')).toBe('10:42')
  })

  it('formats a phenomenonTime instant or interval, and null when unreadable', () => {
    expect(formatPhenomenonTime('2026-01-15T09:42:00Z', 'de')).toBe('15.01.26, 10:42')
    expect(formatPhenomenonTime('2026-01-15T09:42:00Z/2026-01-15T09:43:00Z', 'en')).toBe('15/01/2026, 10:42')
    expect(formatPhenomenonTime('yesterday', 'en')).toBeNull()
    expect(formatPhenomenonTime(null, 'en')).toBeNull()
  })

  it('rounds percentages', () => {
    expect(formatPercent(84.6, 'de')).toBe('85\u202f%')
    expect(formatPercent(7, 'en')).toBe('7\u202f%')
  })
})
