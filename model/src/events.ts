import type { Id, MultiObservationResult, ObservationResult } from './entities.ts'

/** Emitted in-process after an observation is stored; feeds Node-RED flows and live layers. */
export type ObservationEvent = {
  deviceId: string
  kind: string
  thingId: Id
  datastreamId: Id
  /** The device kind's stream key, e.g. `fillingLevel`. */
  key: string
  /** An array for a kind-declared MultiDatastream (e.g. a survey hour: exact counts, internal only). */
  result: ObservationResult | MultiObservationResult
  phenomenonTime: string
}

/** The minimal subscription surface (a Node `EventEmitter` fits). */
export type ObservationFeed = {
  on(event: 'observation', listener: (e: ObservationEvent) => void): unknown
  off(event: 'observation', listener: (e: ObservationEvent) => void): unknown
}
