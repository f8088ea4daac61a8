import type { RegisteredDevice } from '@urbantwin/api'
import { generateSecret, hashToken } from '@urbantwin/broker'
import type { DeviceKind } from '@urbantwin/devices'
import { uplinkTopic } from '@urbantwin/model'
import type { DeviceRecord, Store } from '@urbantwin/store'

export type DeviceSpec = {
  deviceId: string
  name: string
  description?: string | undefined
  address?: string | null | undefined
  lon: number
  lat: number
  /** Extra Thing properties: calibration, survey question, site ids … */
  properties?: Record<string, unknown> | undefined
}

/** Creates or updates a device's Thing, Location and Datastreams from its kind. */
export function provisionDevice(store: Store, kind: DeviceKind, d: DeviceSpec): Promise<DeviceRecord> {
  const address = d.address ?? null
  return store.provisionDevice({
    deviceId: d.deviceId,
    kind: kind.id,
    thing: {
      name: d.name,
      description: d.description ?? kind.description,
      properties: { ...d.properties, deviceId: d.deviceId, kind: kind.id, ...(address ? { address } : {}) },
    },
    location: {
      name: address ?? d.name,
      description: `Location of ${d.name}`,
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [d.lon, d.lat] },
    },
    sensor: kind.sensor,
    datastreams: kind.datastreams,
    multiDatastreams: kind.multiDatastreams ?? [],
  })
}

/** Provisions a device and issues a fresh MQTT token; only the token's hash is stored. */
export async function registerDevice(
  store: Store,
  kind: DeviceKind,
  d: DeviceSpec,
): Promise<RegisteredDevice> {
  const device = await provisionDevice(store, kind, d)
  const token = generateSecret()
  await store.putMqttAccount({
    username: d.deviceId,
    passwordHash: hashToken(token),
    role: 'device',
    deviceId: d.deviceId,
  })
  return {
    deviceId: device.deviceId,
    thingId: device.thingId,
    datastreams: device.datastreams,
    mqtt: { username: d.deviceId, password: token, topic: uplinkTopic(d.deviceId) },
  }
}
