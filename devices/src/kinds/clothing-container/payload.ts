import { z } from 'zod'

/** FIWARE Smart Data Models `WasteContainer.status` values. */
export const ContainerStatus = z.enum([
  'ok',
  'lidOpen',
  'closed',
  'full',
  'dropped',
  'burning',
  'moved',
  'notAvailable',
])
export type ContainerStatus = z.infer<typeof ContainerStatus>

/** Events a container reports once, when they happen. */
export const ContainerEvent = z.enum(['emptied', 'fireSuspicion', 'tilt', 'vandalism'])
export type ContainerEvent = z.infer<typeof ContainerEvent>

/**
 * Native JSON uplink of a used-clothing container (Altkleidercontainer, waste code 20 01 10).
 * Names and ranges follow FIWARE Smart Data Models `WasteContainer` (`fillingLevel` 0..1, `status`,
 * `temperature` °C) and `Device` (`batteryLevel` 0..1), so an NGSI-LD view later is a mapping.
 * A sensor that measures distance sends `distanceMm` (ultrasonic echo, sensor → contents); the platform
 * turns it into `fillingLevel` with the container's calibration.
 * Example: `{"time":"2026-11-23T08:00:00Z","distanceMm":812,"temperature":11.5,"batteryLevel":0.93,"tiltAngle":2}`
 */
export const ClothingContainerPayload = z
  .object({
    time: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the device measured; receipt time if absent'),
    fillingLevel: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Fill ratio 0..1, when the device computes it'),
    distanceMm: z
      .number()
      .int()
      .min(0)
      .max(20_000)
      .optional()
      .describe('Ultrasonic distance sensor → contents, mm; 0 = no echo'),
    temperature: z.number().min(-50).max(150).optional().describe('Air temperature inside, °C'),
    batteryLevel: z.number().min(0).max(1).optional().describe('Battery charge ratio 0..1'),
    tiltAngle: z.number().min(0).max(180).optional().describe('Tilt from upright, degrees'),
    status: ContainerStatus.optional().describe('Container state (WasteContainer.status)'),
    event: ContainerEvent.optional().describe('Something that just happened'),
  })
  .strict()
  .refine((p) => Object.keys(p).some((k) => k !== 'time'), {
    message: 'a reading needs at least one value besides time',
  })
  .refine((p) => p.fillingLevel === undefined || p.distanceMm === undefined, {
    message: 'send either fillingLevel or distanceMm, not both',
  })
export type ClothingContainerPayload = z.infer<typeof ClothingContainerPayload>
