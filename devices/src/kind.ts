import type {
  ObservationResult,
  ObservationType,
  ObservedProperty,
  Outcome,
  Sensor,
  UnitOfMeasurement,
} from '@urbantwin/model'

/** One Datastream a device kind declares: what it measures, in which unit, as which O&M type. */
export type DatastreamSpec = {
  key: string
  name: string
  description: string
  unitOfMeasurement: UnitOfMeasurement
  observationType: ObservationType
  observedProperty: ObservedProperty
}

/** A decoded value for one of the kind's Datastreams. `phenomenonTime` when the device sent one. */
export type Reading = { key: string; result: ObservationResult; phenomenonTime?: string }

/** Everything the platform knows about a kind of device. Adding a kind is adding one folder. */
export type DeviceKind = {
  id: string
  name: string
  description: string
  sensor: Sensor
  datastreams: readonly DatastreamSpec[]
  /** Bytes of a native uplink → readings. Pure; never throws. */
  decode(payload: Uint8Array): Outcome<Reading[]>
}
