/** District outlines as polylines on the ellipsoid (height 0), one per ring. */
import { useEffect } from 'react'
import { useCesium } from 'resium'
import { Cartesian3, Color, Material, PolylineCollection } from 'cesium'
import type { District } from '../data/districts.ts'
import { useScenePrimitive } from './use-scene-primitive.ts'
import { markDrawn } from '../test-hooks.ts'

const OUTLINE = Color.fromCssColorString('#ffffff')
const createCollection = () => new PolylineCollection()

export function DistrictLayer({ districts }: { districts: readonly District[] | null }) {
  const { scene } = useCesium()
  const lines = useScenePrimitive(createCollection)

  useEffect(() => {
    if (!lines || !districts) return
    lines.removeAll()
    for (const district of districts) {
      for (const ring of district.rings) {
        lines.add({
          id: district.number,
          positions: Cartesian3.fromDegreesArray(ring),
          width: 2,
          material: Material.fromType(Material.ColorType, { color: OUTLINE }), // one each: polylines destroy theirs
        })
      }
    }
    scene?.requestRender()
    markDrawn('districts', districts.length)
  }, [lines, districts, scene])

  return null
}
