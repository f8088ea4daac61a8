/** One point per container, coloured by its latest fill level. Updates in place when the data changes. */
import { useEffect, useMemo } from 'react'
import { useCesium } from 'resium'
import { PointPrimitiveCollection } from 'cesium'
import type { ContainerLayer as ContainerLayerData } from '@urbantwin/model'
import { createContainerPoints } from './container-points.ts'
import { useScenePrimitive } from './use-scene-primitive.ts'
import { markDrawn } from '../test-hooks.ts'

const createCollection = () => new PointPrimitiveCollection()

export function ContainerLayer({ layer }: { layer: ContainerLayerData | null }) {
  const { scene } = useCesium()
  const collection = useScenePrimitive(createCollection)
  const sync = useMemo(() => collection && createContainerPoints(collection), [collection])

  useEffect(() => {
    if (!sync || !layer) return
    sync(layer.features)
    scene?.requestRender()
    markDrawn('containers', layer.features.length)
  }, [sync, layer, scene])

  return null
}
