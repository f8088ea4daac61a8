/**
 * Munich's Stadtbezirke (GeoJSON, WGS84) → outlines to draw. Pure and Cesium-free: each ring becomes
 * a flat `[lon, lat, lon, lat, …]` array, ready for `Cartesian3.fromDegreesArray`.
 */
import { fail, ok, type Outcome } from '@urbantwin/model'
import { z } from 'zod'

const Position = z.tuple([z.number(), z.number()]).rest(z.number()) // RFC 7946 3.1.1: [lon, lat, (alt)]
const Ring = z.array(Position).min(4) // RFC 7946 3.1.6: closed ring of ≥ 4 positions
const PolygonCoords = z.array(Ring).min(1)

const Geometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: PolygonCoords }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(PolygonCoords).min(1) }),
])

const DistrictCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ sb_nummer: z.number().int(), name: z.string().min(1) }),
      geometry: Geometry,
    }),
  ),
})

export type District = {
  /** `sb_nummer`, 1–25. */
  number: number
  name: string
  /** Every ring (outer and holes) as flat degrees `[lon, lat, …]`. */
  rings: number[][]
}

export function parseDistricts(json: unknown): Outcome<District[]> {
  const parsed = DistrictCollection.safeParse(json)
  if (!parsed.success) return fail(`invalid districts: ${z.prettifyError(parsed.error)}`)
  const districts = parsed.data.features.map(({ properties, geometry }) => {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    return {
      number: properties.sb_nummer,
      name: properties.name,
      rings: polygons.flat().map((ring) => ring.flatMap(([lon, lat]) => [lon, lat])),
    }
  })
  return ok(districts.sort((a, b) => a.number - b.number))
}
