import { chirpstackUplinkEnvelope, ttsUplinkEnvelope } from '@urbantwin/devices'
import { uplinkTopic } from '@urbantwin/model'
import type { Emission, SimDevice } from '../scenarios/scenario.ts'

function lastFullHour(now: Date): string {
  return new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 3_600_000)
    .toISOString()
    .replace('.000Z', 'Z')
}

/** How simulated devices reach the broker: natively, or through a LoRaWAN network server's MQTT integration. */
export const OUTPUT_MODES = ['native', 'tts', 'chirpstack'] as const
export type OutputMode = (typeof OUTPUT_MODES)[number]

/** TTS names applications by id and tenant; ChirpStack v4 by a UUID. */
export type LorawanApplication = { applicationId: string; tenantId: string; chirpstackApplicationId: string }
export const DEFAULT_APPLICATION: LorawanApplication = {
  applicationId: 'urbantwin-sim',
  tenantId: 'muenchen',
  chirpstackApplicationId: '3f6e1a52-7c1b-4d7e-9a55-2b8f0c1d4e6a',
}

/** The id the platform's registry knows the device by in this mode (ChirpStack: the DevEUI). */
export function registryId(mode: OutputMode, device: SimDevice): string {
  return mode === 'chirpstack' ? device.devEui : device.deviceId
}

export type Message = { topic: string; payload: string }

/**
 * One emission → one MQTT message. `withTime`: carry the simulated time (back-fill) or leave it to
 * the receiver (live, possibly accelerated, where simulated time may run ahead of the clock).
 * LoRaWAN: devices with a binary frame send it undecoded (the platform decodes), others send the
 * network server's decoded object.
 */
export function toMessage(
  mode: OutputMode,
  device: SimDevice,
  e: Emission,
  at: { simTime: Date; now: Date; withTime: boolean; fCnt: number; app?: LorawanApplication },
): Message {
  const payload = { ...e.payload }
  if (!at.withTime) {
    // accelerated time runs ahead of the clock: the receiver stamps readings, and hourly aggregates
    // go to the last full real hour (repeats within the hour are duplicates the platform skips)
    delete payload.time
    if ('periodStart' in payload) payload.periodStart = lastFullHour(at.now)
  }
  if (mode === 'native') return { topic: uplinkTopic(device.deviceId), payload: JSON.stringify(payload) }
  const app = at.app ?? DEFAULT_APPLICATION
  const receivedAt = at.withTime ? at.simTime : at.now
  const body = e.frame ? { fPort: e.frame.fPort, frmPayload: e.frame.bytes } : { fPort: 1, decoded: payload }
  const input = {
    deviceId: device.deviceId,
    devEui: device.devEui,
    applicationId: mode === 'tts' ? app.applicationId : app.chirpstackApplicationId,
    tenantId: app.tenantId,
    receivedAt,
    fCnt: at.fCnt,
    ...body,
  }
  if (mode === 'tts') {
    return {
      topic: `v3/${app.applicationId}@${app.tenantId}/devices/${device.deviceId}/up`,
      payload: JSON.stringify(ttsUplinkEnvelope(input)),
    }
  }
  return {
    topic: `application/${app.chirpstackApplicationId}/device/${device.devEui}/event/up`,
    payload: JSON.stringify(chirpstackUplinkEnvelope(input)),
  }
}
