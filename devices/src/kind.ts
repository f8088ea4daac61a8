import type { z } from 'zod'
import type {
  DatastreamSpec,
  MultiDatastreamSpec,
  MultiObservationResult,
  ObservationResult,
  Outcome,
  Sensor,
} from '@urbantwin/model'

/** What a codec may know about the sending device: its id and its Thing properties (e.g. calibration). */
export type DeviceContext = { deviceId: string; properties: Readonly<Record<string, unknown>> }

/**
 * A decoded value for one of the kind's Datastreams. `phenomenonTime` when the device sent one;
 * `resultQuality` when the value was clamped or is otherwise doubtful (STA Observation/resultQuality).
 * A reading for one of the kind's MultiDatastreams carries an array, one element per ObservedProperty.
 */
export type Reading = {
  key: string
  result: ObservationResult | MultiObservationResult
  phenomenonTime?: string
  resultQuality?: string
}

/** Everything the platform knows about a kind of device. Adding a kind is adding one folder. */
export type DeviceKind = {
  id: string
  name: string
  description: string
  sensor: Sensor
  /** What its streams are about, for the gender data gap report: `waste`, `wlan`, `mobility`, … */
  domain: string
  datastreams: readonly DatastreamSpec[]
  /** Streams whose readings are arrays (one element per ObservedProperty); none when absent. */
  multiDatastreams?: readonly MultiDatastreamSpec[]
  /** The native JSON uplink's schema (what `decodeObject` validates); also documents the topic (AsyncAPI). */
  payload: z.ZodType
  /**
   * A JSON value (the body of a native uplink, or a LoRaWAN network server's decoded payload) →
   * readings. Pure; never throws; refusals carry a reason.
   */
  decodeObject(value: unknown, ctx: DeviceContext): Outcome<Reading[]>
  /** A raw LoRaWAN FRMPayload on `fPort` → readings, for when the network server did not decode. */
  decodeBinary?(bytes: Uint8Array, fPort: number, ctx: DeviceContext): Outcome<Reading[]>
}
