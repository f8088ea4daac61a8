/** React adapter: polls the container layer, one request at a time, until unmounted. */
import { CONTAINER_LAYER_PATH } from '@urbantwin/model'
import { useEffect, useState } from 'react'
import { fetchContainerLayer } from './container-layer.ts'
import { initialContainerState, nextContainerState, type ContainerState } from './container-state.ts'

/** How often the live layer is refreshed. */
export const CONTAINER_POLL_MS = 5_000

export function useContainers(url: string = CONTAINER_LAYER_PATH, intervalMs: number = CONTAINER_POLL_MS): ContainerState {
  const [state, setState] = useState<ContainerState>(initialContainerState)

  useEffect(() => {
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (): Promise<void> => {
      const outcome = await fetchContainerLayer(url, abort.signal)
      if (abort.signal.aborted) return
      setState((prev) => nextContainerState(prev, outcome, new Date()))
      timer = setTimeout(() => void poll(), intervalMs) // next poll after this one ends: no overlap
    }
    void poll()
    return () => {
      abort.abort()
      clearTimeout(timer)
    }
  }, [url, intervalMs])

  return state
}
