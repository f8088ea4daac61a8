/** Applies the lite scene settings once the viewer exists and exposes it for browser tests. */
import { useEffect } from 'react'
import { useCesium } from 'resium'
import { applyLiteScene } from '../cesium-setup.ts'
import { exposeViewer } from '../test-hooks.ts'

export function SceneSetup() {
  const { viewer } = useCesium()

  useEffect(() => {
    if (!viewer) return
    applyLiteScene(viewer)
    exposeViewer(viewer)
    return () => exposeViewer(undefined)
  }, [viewer])

  return null
}
