/**
 * What the viewer knows about the containers after each poll. Pure: `now` is passed in. The layer
 * object is replaced only when its content changes, so Cesium points are rebuilt only then.
 */
import type { ContainerLayer, Outcome } from '@urbantwin/model'

export type ContainerState = {
  /** Last valid layer (kept across failed polls), null before the first success. */
  layer: ContainerLayer | null
  /** Content signature of `layer`. */
  signature: string
  /** When `layer` was last confirmed by a successful poll. */
  updatedAt: Date | null
  /** Reason of the latest poll's failure, null when it succeeded. */
  error: string | null
}

export const initialContainerState: ContainerState = { layer: null, signature: '', updatedAt: null, error: null }

export function nextContainerState(
  prev: ContainerState,
  outcome: Outcome<ContainerLayer>,
  now: Date,
): ContainerState {
  if (!outcome.ok) return { ...prev, error: outcome.reason }
  const signature = JSON.stringify(outcome.value)
  const layer = signature === prev.signature ? prev.layer : outcome.value
  return { layer, signature, updatedAt: now, error: null }
}
