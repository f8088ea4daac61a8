import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseDistricts } from './districts.ts'

const require = createRequire(import.meta.url)
const geojson: unknown = JSON.parse(
  readFileSync(require.resolve('@urbantwin/model/data/munich/stadtbezirke.geojson'), 'utf8'),
)

describe('parseDistricts', () => {
  it("reads Munich's 25 Stadtbezirke in number order with their names", () => {
    const r = parseDistricts(geojson)
    if (!r.ok) throw new Error(r.reason)
    expect(r.value.map((d) => d.number)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    expect(r.value[0]?.name).toBe('Altstadt-Lehel')
  })

  it('flattens every ring to closed [lon, lat, …] arrays inside Munich', () => {
    const r = parseDistricts(geojson)
    if (!r.ok) throw new Error(r.reason)
    for (const ring of r.value.flatMap((d) => d.rings)) {
      expect(ring.length % 2).toBe(0)
      expect(ring.slice(0, 2)).toEqual(ring.slice(-2))
      const lons = ring.filter((_, i) => i % 2 === 0)
      const lats = ring.filter((_, i) => i % 2 === 1)
      expect(Math.min(...lons)).toBeGreaterThan(11.3)
      expect(Math.max(...lons)).toBeLessThan(11.8)
      expect(Math.min(...lats)).toBeGreaterThan(48.0)
      expect(Math.max(...lats)).toBeLessThan(48.3)
    }
  })

  it('accepts a plain Polygon and rejects a feature without a name', () => {
    const square = [[[0, 0], [1, 0], [1, 1], [0, 0]]]
    const feature = (properties: object) => ({
      type: 'Feature',
      properties,
      geometry: { type: 'Polygon', coordinates: square },
    })
    const good = parseDistricts({ type: 'FeatureCollection', features: [feature({ sb_nummer: 1, name: 'A' })] })
    expect(good.ok && good.value[0]?.rings).toEqual([[0, 0, 1, 0, 1, 1, 0, 0]])
    expect(parseDistricts({ type: 'FeatureCollection', features: [feature({ sb_nummer: 1 })] }).ok).toBe(false)
  })

  it('never throws on random input', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => void parseDistricts(json)))
  })
})
