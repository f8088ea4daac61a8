import type { Outcome } from '@urbantwin/model'
import type { DeviceContext, DeviceKind, Reading } from './kind.ts'
import { parseJsonBytes } from './json-payload.ts'
import { checkPrivacy } from './privacy.ts'

/** A decoded JSON object from anywhere (native uplink, LoRaWAN network server) → readings, privacy first. */
export function decodeValue(kind: DeviceKind, value: unknown, ctx: DeviceContext): Outcome<Reading[]> {
  const privacy = checkPrivacy(value)
  if (!privacy.ok) return privacy
  return kind.decodeObject(value, ctx)
}

/** Bytes of a native uplink (UTF-8 JSON) → readings. Pure; never throws. */
export function decodeNative(kind: DeviceKind, payload: Uint8Array, ctx: DeviceContext): Outcome<Reading[]> {
  const json = parseJsonBytes(payload)
  return json.ok ? decodeValue(kind, json.value, ctx) : json
}
