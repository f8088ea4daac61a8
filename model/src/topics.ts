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

/** Where an uplink came from: our native topic or a LoRaWAN network server's integration topic. */
/** LoRaWAN network servers whose MQTT integrations the platform reads: The Things Stack v3, ChirpStack v4. */
export const LorawanNetwork = z.enum(['tts', 'chirpstack'])
export type LorawanNetwork = z.infer<typeof LorawanNetwork>

export type DeviceTopic = { format: 'native' | LorawanNetwork; deviceId: DeviceId }

/** The Things Stack v3: `v3/{application id}@{tenant id}/devices/{device id}/up`. */
const TTS_UPLINK =
  /^v3\/([a-z0-9](?:[-]?[a-z0-9]){1,35})@([a-z0-9](?:[-]?[a-z0-9]){1,35})\/devices\/([a-z0-9](?:[-]?[a-z0-9]){1,35})\/up$/
/** ChirpStack v4: `application/{application id}/device/{dev eui}/event/up` (DevEUI: 16 hex digits). */
const CHIRPSTACK_UPLINK = /^application\/([0-9a-fA-F-]{1,64})\/device\/([0-9a-fA-F]{16})\/event\/up$/

/**
 * Any device uplink topic the platform accepts → format and registry device id (TTS: the device id;
 * ChirpStack: the DevEUI in lower case). null for every other topic.
 */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const native = parseUplinkTopic(topic)
  if (native) return { format: 'native', deviceId: native.deviceId }
  const tts = TTS_UPLINK.exec(topic)
  if (tts?.[3]) return { format: 'tts', deviceId: tts[3] }
  const cs = CHIRPSTACK_UPLINK.exec(topic)
  if (cs?.[2]) return { format: 'chirpstack', deviceId: cs[2].toLowerCase() }
  return null
}

/**
 * Collection orders the platform publishes (e.g. from a Node-RED flow): JSON `{"deviceIds": [...]}`;
 * the named containers are emptied on the next collection round.
 */
export const COLLECTION_ORDERS_TOPIC = 'urbantwin/v1/collections/orders'

/**
 * Topics of the SensorThings MQTT extension (OGC 18-088 14.2) start with the API version:
 * `v1.1/Datastreams(7)/Observations`. The topic grammar is the API's (`parseStaTopic` in @urbantwin/api).
 */
export const STA_TOPIC_PREFIX = 'v1.1/'
