import type { EventEmitter } from 'node:events'

export type FlowsOutcome = { ok: true } | { ok: false; reason: string }

type RuntimeEvent = { id?: string; payload?: { state?: string; error?: string; text?: string } }

/**
 * RED.start() resolves before the flows run (runtime/lib/index.js starts them without awaiting).
 * This waits on Node-RED's runtime events (runtime/lib/flows/index.js) for the outcome of that start:
 * 'flows:started', or a 'runtime-state' event saying why flows did not start (missing node types or
 * modules, safe mode, unreadable flows file). Subscribe before calling RED.start(); abort if it rejects.
 */
export function waitForFlows(events: EventEmitter, signal?: AbortSignal): Promise<FlowsOutcome> {
  return new Promise((resolve) => {
    const done = (outcome: FlowsOutcome): void => {
      events.off('flows:started', onStarted)
      events.off('runtime-event', onRuntimeEvent)
      signal?.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const onAbort = (): void => done({ ok: false, reason: 'aborted' })
    const onStarted = (): void => done({ ok: true })
    const onRuntimeEvent = (e: RuntimeEvent): void => {
      if (e.id !== 'runtime-state' || !e.payload) return
      const { state, error, text } = e.payload
      if (state === 'start') return done({ ok: true })
      // Undecryptable credentials (another credentialSecret): Node-RED warns, resets them and still starts.
      if (error === 'credentials_load_failed') return
      if (error !== undefined || state !== undefined)
        done({ ok: false, reason: error ?? text ?? `state ${state}` })
    }
    if (signal?.aborted) return onAbort()
    events.on('flows:started', onStarted)
    events.on('runtime-event', onRuntimeEvent)
    signal?.addEventListener('abort', onAbort)
  })
}
