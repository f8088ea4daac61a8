import { Router } from 'express'
import type { ContainerLayer } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

/** Map layers for the twin viewer: one GeoJSON FeatureCollection per live device layer. */
export function layersRouter(deps: { store: Store }): Router {
  const router = Router()
  router.get('/containers', async (_req, res) => {
    const latest = await deps.store.latestOfKind('clothing-container', 'fillingLevel')
    const layer: ContainerLayer = {
      type: 'FeatureCollection',
      features: latest.map((c) => ({
        type: 'Feature',
        id: c.deviceId,
        geometry: { type: 'Point', coordinates: c.coordinates },
        properties: {
          thingId: c.thingId,
          deviceId: c.deviceId,
          name: c.name,
          address: typeof c.properties.address === 'string' ? c.properties.address : null,
          fillLevel: typeof c.result === 'number' ? c.result : null,
          phenomenonTime: c.phenomenonTime,
          datastreamId: c.datastreamId,
        },
      })),
    }
    res.type('application/geo+json').json(layer)
  })
  return router
}
