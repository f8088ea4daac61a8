import { z } from 'zod'

/**
 * Per-container calibration of an ultrasonic fill sensor, kept in the Thing's `properties.calibration`.
 * `heightMm`: usable fill height (floor → the "full" line); `sensorOffsetMm`: distance from the sensor
 * to the "full" line. Defaults fit a typical 2.2 m used-clothing container.
 */
export const Calibration = z.object({
  heightMm: z.number().int().min(200).max(5000).default(1800),
  sensorOffsetMm: z.number().int().min(0).max(1000).default(150),
})
export type Calibration = z.infer<typeof Calibration>

export const DEFAULT_CALIBRATION: Calibration = Calibration.parse({})

/** Echoes within this margin beyond the floor or above the full line count as noise, not as faults. */
const TOLERANCE_MM = 50

export type FillEstimate = { ratio: number; quality?: string }

/** Calibration from Thing properties; invalid or missing → defaults. */
export function calibrationOf(properties: Readonly<Record<string, unknown>>): Calibration {
  const r = Calibration.safeParse(properties.calibration ?? {})
  return r.success ? r.data : DEFAULT_CALIBRATION
}

/**
 * fill = (height − (distance − offset)) / height, clamped to 0..1. Distances that cannot be real
 * (no echo, beyond the floor, inside the sensor's dead zone) are clamped and flagged.
 */
export function fillFromDistance(distanceMm: number, c: Calibration): FillEstimate {
  const raw = (c.heightMm - (distanceMm - c.sensorOffsetMm)) / c.heightMm
  const ratio = Math.min(1, Math.max(0, raw))
  if (distanceMm === 0) return { ratio: 1, quality: 'implausible: no echo (distance 0 mm), reported as full' }
  if (distanceMm > c.heightMm + c.sensorOffsetMm + TOLERANCE_MM) {
    return {
      ratio,
      quality: `implausible: distance ${distanceMm} mm exceeds container depth ${c.heightMm + c.sensorOffsetMm} mm`,
    }
  }
  if (distanceMm < c.sensorOffsetMm - TOLERANCE_MM) {
    return {
      ratio,
      quality: `implausible: distance ${distanceMm} mm is inside the sensor offset ${c.sensorOffsetMm} mm`,
    }
  }
  return { ratio }
}
