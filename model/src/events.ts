import type { Id, ObservationResult } from './entities.ts'

/** Emitted in-process after an observation is stored; feeds Node-RED flows and live layers. */
export type ObservationEvent = {
  deviceId: string
  kind: string
  thingId: Id
  datastreamId: Id
  /** The device kind's stream key, e.g. `fillingLevel`. */
  key: string
  result: ObservationResult
  phenomenonTime: string
}

/** The minimal subscription surface (a Node `EventEmitter` fits). */
export type ObservationFeed = {
  on(event: 'observation', listener: (e: ObservationEvent) => void): unknown
  off(event: 'observation', listener: (e: ObservationEvent) => void): unknown
}
