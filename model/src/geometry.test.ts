import { describe, expect, it } from 'vitest'
import { LocationGeometry } from './entities.ts'
import { representativePoint } from './geometry.ts'

describe('area Locations', () => {
  const L: [number, number][] = [
    [11.5, 48.1],
    [11.6, 48.1],
    [11.6, 48.12],
    [11.52, 48.12],
    [11.52, 48.2],
    [11.5, 48.2],
    [11.5, 48.1],
  ]
  const inL = ([x, y]: [number, number]) =>
    (x >= 11.5 && x <= 11.52 && y >= 48.1 && y <= 48.2) || (x >= 11.5 && x <= 11.6 && y >= 48.1 && y <= 48.12)

  it('stands for an area by a point inside it, even where the centroid falls outside', () => {
    const p = representativePoint({ type: 'Polygon', coordinates: [L] })
    expect(inL(p)).toBe(true)
    const tiny: [number, number][] = [
      [11.7, 48.3],
      [11.7001, 48.3],
      [11.7001, 48.3001],
      [11.7, 48.3],
    ]
    // a MultiPolygon is stood for by its largest part
    expect(inL(representativePoint({ type: 'MultiPolygon', coordinates: [[tiny], [L]] }))).toBe(true)
    expect(representativePoint({ type: 'Point', coordinates: [11.57, 48.13] })).toEqual([11.57, 48.13])
  })

  it('accepts closed rings only, in lon/lat range', () => {
    expect(LocationGeometry.safeParse({ type: 'Polygon', coordinates: [L] }).success).toBe(true)
    expect(LocationGeometry.safeParse({ type: 'Polygon', coordinates: [L.slice(0, -1)] }).success).toBe(false)
    expect(
      LocationGeometry.safeParse({
        type: 'Polygon',
        coordinates: [
          [
            [200, 48],
            [11, 48],
            [11, 49],
            [200, 48],
          ],
        ],
      }).success,
    ).toBe(false)
    expect(LocationGeometry.safeParse({ type: 'LineString', coordinates: L }).success).toBe(false)
  })
})
