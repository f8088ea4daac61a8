/**
 * Keeps a PointPrimitiveCollection in step with the container features, keyed by feature id: new
 * containers are added, gone ones removed, existing points only get their colour/position updated.
 */
import { Cartesian3, Color, type PointPrimitive, type PointPrimitiveCollection } from 'cesium'
import type { ContainerFeature } from '@urbantwin/model'
import { FILL_COLOURS, fillBand, type FillBand } from '../fill-colour.ts'

const COLOURS = Object.fromEntries(
  Object.entries(FILL_COLOURS).map(([band, css]) => [band, Color.fromCssColorString(css)]),
) as Record<FillBand, Color>
const OUTLINE = Color.fromCssColorString('#1b1b1b')

export function createContainerPoints(
  collection: PointPrimitiveCollection,
): (features: readonly ContainerFeature[]) => void {
  const byId = new Map<string, PointPrimitive>()

  return (features) => {
    const seen = new Set<string>()
    for (const { id, geometry, properties } of features) {
      seen.add(id)
      const [lon, lat] = geometry.coordinates
      const position = Cartesian3.fromDegrees(lon, lat, 0)
      const color = COLOURS[fillBand(properties.fillLevel)]
      const point = byId.get(id)
      if (point) {
        point.position = position // setters compare values: unchanged points stay clean
        point.color = color
        continue
      }
      const added = collection.add({
        id,
        position,
        color,
        pixelSize: 10,
        outlineColor: OUTLINE,
        outlineWidth: 1.5,
        disableDepthTestDistance: Number.POSITIVE_INFINITY, // never hidden in the ground
      })
      byId.set(id, added)
    }
    for (const [id, point] of byId) {
      if (seen.has(id)) continue
      collection.remove(point)
      byId.delete(id)
    }
  }
}
