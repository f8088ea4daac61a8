import { describe, expect, it } from 'vitest'
import { Location, Observation } from './entities.ts'

describe('SensorThings entity schemas', () => {
  it('accepts a GeoJSON Location in Munich and rejects swapped coordinates out of range', () => {
    const loc = {
      name: 'Marienplatz',
      description: 'centre',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [11.5755, 48.1374] },
    }
    expect(Location.safeParse(loc).success).toBe(true)
    expect(
      Location.safeParse({ ...loc, location: { type: 'Point', coordinates: [48.1, 211.5] } }).success,
    ).toBe(false)
  })

  it('requires ISO 8601 times and a finite result on an Observation', () => {
    const t = '2026-11-23T08:00:00Z'
    expect(Observation.safeParse({ phenomenonTime: t, resultTime: t, result: 42 }).success).toBe(true)
    expect(Observation.safeParse({ phenomenonTime: 'now', resultTime: t, result: 42 }).success).toBe(false)
    expect(Observation.safeParse({ phenomenonTime: t, resultTime: t, result: Infinity }).success).toBe(false)
  })
})
