import { z } from 'zod'

/**
 * `GET /api/layers/containers`: the viewer's live layer of used-clothing containers, one GeoJSON
 * Feature per container with its latest fill level (percent, null before the first reading).
 */
export const ContainerFeature = z.object({
  type: z.literal('Feature'),
  id: z.string(),
  geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
  properties: z.object({
    thingId: z.number().int(),
    deviceId: z.string(),
    name: z.string(),
    address: z.string().nullable(),
    fillLevel: z.number().nullable(),
    phenomenonTime: z.string().nullable(),
    datastreamId: z.number().int().nullable(),
  }),
})
export type ContainerFeature = z.infer<typeof ContainerFeature>

export const ContainerLayer = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(ContainerFeature),
})
export type ContainerLayer = z.infer<typeof ContainerLayer>

export const CONTAINER_LAYER_PATH = '/api/layers/containers'
