/** Stable DOM hooks for browser tests (README "DOM hooks"). Nothing in the app reads them. */
import type { Viewer } from 'cesium'

declare global {
  interface Window {
    __urbantwinViewer?: Viewer
  }
}

export function exposeViewer(viewer: Viewer | undefined): void {
  window.__urbantwinViewer = viewer
}

/** `document.body.dataset.containers` / `.districts`: how many were drawn, set after each draw. */
export function markDrawn(layer: 'containers' | 'districts', count: number): void {
  document.body.dataset[layer] = String(count)
}
