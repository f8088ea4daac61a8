import { z } from 'zod'

/** A GeoJSON FeatureCollection of WGS84 points whose properties match `properties`. */
export function pointCollection<P extends z.ZodType>(properties: P) {
  const Feature = z.object({
    type: z.literal('Feature'),
    properties,
    geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
  })
  return z.object({ type: z.literal('FeatureCollection'), features: z.array(Feature) })
}
