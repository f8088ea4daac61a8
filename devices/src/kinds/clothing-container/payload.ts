import { z } from 'zod'

/**
 * Native JSON uplink of a used-clothing container (Altkleidercontainer). Field names and ranges
 * follow FIWARE Smart Data Models `WasteContainer` (`fillingLevel` 0..1, `temperature` in °C) and
 * `Device` (`batteryLevel` 0..1), so an NGSI-LD view later is a mapping.
 * Example: `{"time":"2026-11-23T08:00:00Z","fillingLevel":0.42,"temperature":11.5,"batteryLevel":0.93}`
 */
export const ClothingContainerPayload = z
  .object({
    time: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the device measured; receipt time if absent'),
    fillingLevel: z.number().min(0).max(1).optional().describe('Fill ratio 0..1'),
    temperature: z.number().min(-50).max(150).optional().describe('Air temperature inside, °C'),
    batteryLevel: z.number().min(0).max(1).optional().describe('Battery charge ratio 0..1'),
  })
  .strict()
  .refine(
    (p) => p.fillingLevel !== undefined || p.temperature !== undefined || p.batteryLevel !== undefined,
    {
      message: 'at least one of fillingLevel, temperature, batteryLevel is required',
    },
  )
export type ClothingContainerPayload = z.infer<typeof ClothingContainerPayload>
