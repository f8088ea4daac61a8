import { fail, ok, type Outcome } from '@urbantwin/model'
import type { ClothingContainerPayload, ContainerEvent, ContainerStatus } from './payload.ts'

/**
 * Binary uplink of an ultrasonic level sensor, for LoRaWAN network servers that do not decode.
 * Our own documented format, modelled on the Dragino LDDS75 family layout (battery mV, distance mm,
 * interrupt flag, DS18B20 temperature), extended with a tilt byte and alarm flags. fPort 2, 8 bytes,
 * big-endian:
 *
 * | byte | field        | encoding                                                                   |
 * |------|--------------|----------------------------------------------------------------------------|
 * | 0–1  | battery      | uint16, millivolts (bits 15–14 reserved, ignored)                          |
 * | 2–3  | distance     | uint16, mm from the sensor to the contents; 0 = no echo                    |
 * | 4    | flags        | bit0 lid open · bit1 tilt alarm · bit2 temperature alarm · bit3 emptied    |
 * | 5–6  | temperature  | int16, 0.1 °C; 0x7FFF = no probe                                           |
 * | 7    | tilt         | uint8, degrees from upright 0–180; 0xFF = no tilt sensor                   |
 *
 * Battery charge is linear between 2500 mV (empty) and 3600 mV (full, Li-SOCl2 cell).
 */
export const ULTRASONIC_FPORT = 2
const FRAME_BYTES = 8
const NO_TEMPERATURE = 0x7fff
const NO_TILT = 0xff
const EMPTY_MV = 2500
const FULL_MV = 3600

export type UltrasonicFrame = {
  batteryMv: number
  distanceMm: number
  lidOpen: boolean
  tiltAlarm: boolean
  temperatureAlarm: boolean
  emptied: boolean
  temperatureC: number | null
  tiltDeg: number | null
}

function statusOf(f: UltrasonicFrame): ContainerStatus {
  if (f.temperatureAlarm) return 'burning'
  if (f.tiltAlarm) return 'dropped'
  if (f.lidOpen) return 'lidOpen'
  return 'ok'
}

function eventOf(f: UltrasonicFrame): ContainerEvent | undefined {
  if (f.temperatureAlarm) return 'fireSuspicion'
  if (f.tiltAlarm) return 'tilt'
  return f.emptied ? 'emptied' : undefined
}

/** Frame bytes → the fields of the native payload. Pure; never throws. */
export function decodeUltrasonicFrame(bytes: Uint8Array, fPort: number): Outcome<ClothingContainerPayload> {
  if (fPort !== ULTRASONIC_FPORT)
    return fail(`ultrasonic frame expected on fPort ${ULTRASONIC_FPORT}, got ${fPort}`)
  if (bytes.byteLength !== FRAME_BYTES)
    return fail(`ultrasonic frame must be ${FRAME_BYTES} bytes, got ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const flags = view.getUint8(4)
  const rawTemp = view.getInt16(5)
  const rawTilt = view.getUint8(7)
  if (rawTilt !== NO_TILT && rawTilt > 180)
    return fail(`ultrasonic frame tilt ${rawTilt}° is out of range 0–180`)
  if (rawTemp !== NO_TEMPERATURE && (rawTemp < -500 || rawTemp > 1500)) {
    return fail(`ultrasonic frame temperature ${rawTemp / 10} °C is out of range`)
  }
  const f: UltrasonicFrame = {
    batteryMv: view.getUint16(0) & 0x3fff,
    distanceMm: view.getUint16(2),
    lidOpen: (flags & 0b0001) !== 0,
    tiltAlarm: (flags & 0b0010) !== 0,
    temperatureAlarm: (flags & 0b0100) !== 0,
    emptied: (flags & 0b1000) !== 0,
    temperatureC: rawTemp === NO_TEMPERATURE ? null : rawTemp / 10,
    tiltDeg: rawTilt === NO_TILT ? null : rawTilt,
  }
  const batteryLevel = Math.min(1, Math.max(0, (f.batteryMv - EMPTY_MV) / (FULL_MV - EMPTY_MV)))
  const event = eventOf(f)
  return ok({
    distanceMm: f.distanceMm,
    batteryLevel: Math.round(batteryLevel * 1000) / 1000,
    status: statusOf(f),
    ...(f.temperatureC === null ? {} : { temperature: f.temperatureC }),
    ...(f.tiltDeg === null ? {} : { tiltAngle: f.tiltDeg }),
    ...(event ? { event } : {}),
  })
}

/** The inverse, for simulators and fixtures. */
export function encodeUltrasonicFrame(f: UltrasonicFrame): Uint8Array {
  const bytes = new Uint8Array(FRAME_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, Math.min(0x3fff, Math.max(0, Math.round(f.batteryMv))))
  view.setUint16(2, Math.min(0xffff, Math.max(0, Math.round(f.distanceMm))))
  view.setUint8(
    4,
    (f.lidOpen ? 1 : 0) | (f.tiltAlarm ? 2 : 0) | (f.temperatureAlarm ? 4 : 0) | (f.emptied ? 8 : 0),
  )
  view.setInt16(5, f.temperatureC === null ? NO_TEMPERATURE : Math.round(f.temperatureC * 10))
  view.setUint8(7, f.tiltDeg === null ? NO_TILT : Math.min(180, Math.max(0, Math.round(f.tiltDeg))))
  return bytes
}
