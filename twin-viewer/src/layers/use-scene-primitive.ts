/** Adds one Cesium primitive to the scene for the lifetime of the component (removal destroys it). */
import { useEffect, useState } from 'react'
import { useCesium } from 'resium'

export function useScenePrimitive<T extends object>(create: () => T): T | null {
  const { scene } = useCesium()
  const [primitive, setPrimitive] = useState<T | null>(null)

  useEffect(() => {
    if (!scene) return
    const added = scene.primitives.add(create()) as T
    setPrimitive(added)
    return () => {
      setPrimitive(null)
      if (!scene.isDestroyed()) scene.primitives.remove(added)
    }
  }, [scene, create])

  return primitive
}
