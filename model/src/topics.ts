import { z } from 'zod'

/**
 * MQTT topic contract. Device uplinks: `urbantwin/v1/devices/{deviceId}/up` (see ARCHITECTURE.md).
 * Device ids are URL- and topic-safe: letters, digits, `-`, `_`, `.`, 1–64 characters.
 */
export const DeviceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'device id: 1–64 of A–Z a–z 0–9 . _ -, starting alphanumeric')
export type DeviceId = z.infer<typeof DeviceId>

export const UPLINK_PREFIX = 'urbantwin/v1/devices/'

export function uplinkTopic(deviceId: DeviceId): string {
  return `${UPLINK_PREFIX}${deviceId}/up`
}

export type UplinkTopic = { deviceId: DeviceId }

/** Parses a device uplink topic; null for any other topic (wildcards, `$SYS/…`, foreign shapes). */
export function parseUplinkTopic(topic: string): UplinkTopic | null {
  if (!topic.startsWith(UPLINK_PREFIX) || !topic.endsWith('/up')) return null
  const deviceId = topic.slice(UPLINK_PREFIX.length, -'/up'.length)
  return DeviceId.safeParse(deviceId).success ? { deviceId } : null
}
