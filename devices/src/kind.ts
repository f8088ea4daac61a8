import type { DatastreamSpec, ObservationResult, Outcome, Sensor } from '@urbantwin/model'

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
