import {
  fail,
  ok,
  parseDeviceTopic,
  type DeviceTopic,
  type Inbound,
  type NewObservation,
  type ObservationEvent,
  type Outcome,
} from '@urbantwin/model'
import {
  decodeNative,
  lorawanReadings,
  parseChirpstackUplink,
  parseTtsUplink,
  type DeviceContext,
  type DeviceKind,
  type Reading,
} from '@urbantwin/devices'
import type { DeviceRecord } from '@urbantwin/store'

export type Decoded = { observations: NewObservation[]; events: ObservationEvent[] }

/** How far a device clock may run ahead of the broker's before a reading is refused. */
export const MAX_CLOCK_AHEAD_MS = 10 * 60 * 1000

/** Bytes in the format the topic names → readings of the device's kind. */
function readingsOf(
  topic: DeviceTopic,
  payload: Uint8Array,
  kind: DeviceKind,
  ctx: DeviceContext,
): Outcome<Reading[]> {
  if (topic.format === 'native') return decodeNative(kind, payload, ctx)
  const uplink = topic.format === 'tts' ? parseTtsUplink(payload) : parseChirpstackUplink(payload)
  if (!uplink.ok) return uplink
  if (uplink.value.deviceId !== topic.deviceId) {
    return fail(`envelope names device ${uplink.value.deviceId} but the topic names ${topic.deviceId}`)
  }
  return lorawanReadings(uplink.value, kind, ctx)
}

/**
 * One uplink → observations for the device's Datastreams. Pure: devices and kinds come from the
 * caller's lookups (synchronous, e.g. a cache filled beforehand). Every refusal carries a reason an
 * operator can act on.
 */
export function decodeUplink(
  msg: Inbound,
  deviceOf: (deviceId: string) => DeviceRecord | undefined,
  kindOf: (id: string) => DeviceKind | undefined,
): Outcome<Decoded> {
  const topic = parseDeviceTopic(msg.topic)
  if (!topic) return fail(`${msg.topic} is not a device uplink topic`)
  const device = deviceOf(topic.deviceId)
  if (!device) return fail(`device ${topic.deviceId} is not registered`)
  const kind = kindOf(device.kind)
  if (!kind) return fail(`device ${topic.deviceId} has unknown kind ${device.kind}`)
  const readings = readingsOf(topic, msg.payload, kind, {
    deviceId: device.deviceId,
    properties: device.properties,
  })
  if (!readings.ok) return readings
  const received = Date.parse(msg.receivedAt)
  const decoded: Decoded = { observations: [], events: [] }
  for (const r of readings.value) {
    const datastreamId = device.datastreams[r.key]
    if (datastreamId === undefined) return fail(`device ${device.deviceId} has no Datastream for ${r.key}`)
    const phenomenonTime = r.phenomenonTime ?? msg.receivedAt
    if (Date.parse(phenomenonTime) - received > MAX_CLOCK_AHEAD_MS) {
      return fail(`phenomenonTime ${phenomenonTime} is more than 10 minutes after receipt ${msg.receivedAt}`)
    }
    decoded.observations.push({
      datastreamId,
      phenomenonTime,
      resultTime: msg.receivedAt,
      result: r.result,
      ...(r.resultQuality ? { resultQuality: r.resultQuality } : {}),
    })
    decoded.events.push({
      deviceId: device.deviceId,
      kind: device.kind,
      thingId: device.thingId,
      datastreamId,
      key: r.key,
      result: r.result,
      phenomenonTime,
    })
  }
  return ok(decoded)
}
