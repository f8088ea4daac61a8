import { z } from 'zod'
import { uplinkTopic } from '@urbantwin/model'

/**
 * The "load payload": `{"seq":n,"device":"id","t":epochMs}`. It is NOT a clothing-container reading
 * (that schema is strict and has no `seq`): load runs measure the broker path, and the subscriber-side
 * checker needs a per-device sequence number (1, 2, 3, … per device) to count loss and duplicates.
 */
export const LoadPayload = z.object({
  seq: z.number().int().positive(),
  device: z.string().min(1),
  t: z.number(),
})
export type LoadPayload = z.infer<typeof LoadPayload>

/** Native uplink topic `urbantwin/v1/devices/{id}/up`. */
export const defaultLoadTopic = (deviceId: string): string => uplinkTopic(deviceId)

export const defaultLoadPayload = (deviceId: string, seq: number, now: number): string =>
  `{"seq":${seq},"device":${JSON.stringify(deviceId)},"t":${now}}`

/** `sim-000001`, … — valid device ids (see `DeviceId` in model). */
export const defaultDeviceId = (index: number): string => `sim-${String(index + 1).padStart(6, '0')}`

export function parseLoadPayload(bytes: Uint8Array): LoadPayload | null {
  try {
    const r = LoadPayload.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')))
    return r.success ? r.data : null
  } catch {
    return null // not JSON: counted as invalid by the caller
  }
}
