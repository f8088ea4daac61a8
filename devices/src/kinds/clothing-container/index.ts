import { ok, type Outcome } from '@urbantwin/model'
import type { DeviceContext, DeviceKind, Reading } from '../../kind.ts'
import { validate } from '../../json-payload.ts'
import { decodeUltrasonicFrame } from './ultrasonic-frame.ts'
import { calibrationOf, fillFromDistance } from './calibration.ts'
import { CONTAINER_DATASTREAMS } from './datastreams.ts'
import { ClothingContainerPayload } from './payload.ts'

/** Rounds a 0..1 ratio to a percentage with 0.1 % resolution. */
function percent(ratio: number): number {
  return Math.round(ratio * 1000) / 10
}

/** A validated payload → readings, with the container's calibration applied to a raw distance. */
export function containerReadings(p: ClothingContainerPayload, ctx: DeviceContext): Reading[] {
  const at = p.time === undefined ? {} : { phenomenonTime: new Date(p.time).toISOString() }
  const readings: Reading[] = []
  const push = (key: string, result: Reading['result'], resultQuality?: string) =>
    readings.push({ key, result, ...at, ...(resultQuality ? { resultQuality } : {}) })
  if (p.fillingLevel !== undefined) push('fillingLevel', percent(p.fillingLevel))
  if (p.distanceMm !== undefined) {
    const fill = fillFromDistance(p.distanceMm, calibrationOf(ctx.properties))
    push('distance', p.distanceMm)
    push('fillingLevel', percent(fill.ratio), fill.quality)
  }
  if (p.temperature !== undefined) push('temperature', p.temperature)
  if (p.batteryLevel !== undefined) push('batteryLevel', percent(p.batteryLevel))
  if (p.tiltAngle !== undefined) push('tiltAngle', p.tiltAngle)
  if (p.status !== undefined) push('status', p.status)
  if (p.event !== undefined) push('event', p.event)
  return readings
}

export const clothingContainer: DeviceKind = {
  id: 'clothing-container',
  domain: 'waste',
  name: 'Used-clothing container',
  description:
    'Smart used-clothing container (Altkleidercontainer, waste code 20 01 10) with a fill-level sensor',
  sensor: {
    name: 'Container fill-level sensor',
    description: 'Ultrasonic fill-level sensor with temperature, tilt and battery reporting',
    encodingType: 'text/html',
    metadata: 'https://smartdatamodels.org/dataModel.WasteManagement/WasteContainer',
  },
  datastreams: CONTAINER_DATASTREAMS,
  payload: ClothingContainerPayload,
  decodeObject(value, ctx): Outcome<Reading[]> {
    const p = validate(ClothingContainerPayload, value)
    return p.ok ? ok(containerReadings(p.value, ctx)) : p
  },
  decodeBinary(bytes, fPort, ctx): Outcome<Reading[]> {
    const p = decodeUltrasonicFrame(bytes, fPort)
    return p.ok ? ok(containerReadings(p.value, ctx)) : p
  },
}

export { ClothingContainerPayload, ContainerStatus, ContainerEvent } from './payload.ts'
export { Calibration, DEFAULT_CALIBRATION, calibrationOf, fillFromDistance } from './calibration.ts'
export { decodeUltrasonicFrame, encodeUltrasonicFrame, ULTRASONIC_FPORT } from './ultrasonic-frame.ts'
