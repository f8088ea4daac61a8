import { fail, ok, type Outcome } from '@urbantwin/model'

export type LorawanNetwork = 'tts' | 'chirpstack'

/** One application uplink as a LoRaWAN network server forwarded it, free of the server's envelope. */
export type LorawanUplink = {
  network: LorawanNetwork
  /** Registry key: TTS `end_device_ids.device_id`; ChirpStack `deviceInfo.devEui` in lower case. */
  deviceId: string
  /** 16 lower-case hex digits; null when the server did not say (TTS ABP devices may have none). */
  devEui: string | null
  /** When the network server received the uplink, `toISOString()`; null when the envelope has no time. */
  receivedAt: string | null
  fPort: number | null
  fCnt: number | null
  /** The decrypted FRMPayload; null when the envelope carries none. */
  frmPayload: Uint8Array | null
  /** What the server's payload codec made of it; `undefined` when the server did not decode. */
  decoded: unknown
}

/** What a simulator or fixture knows about an uplink; the encoders wrap it in a server's envelope. */
export type UplinkEnvelopeInput = {
  deviceId: string
  devEui: string
  applicationId: string
  tenantId?: string
  receivedAt: Date
  fPort: number
  fCnt: number
  frmPayload?: Uint8Array
  decoded?: unknown
  gateway?: { id: string; rssi: number; snr: number }
}

const SERVER_NAME: Record<LorawanNetwork, string> = { tts: 'The Things Stack', chirpstack: 'ChirpStack' }

/**
 * Only uplinks that carry application data become readings. FPort 0 (or none) means the frame held
 * MAC commands only (LoRaWAN 1.0.4 §4.3.3); an empty FRMPayload with no decoded object has nothing to read.
 */
export function requireApplicationPayload(u: LorawanUplink): Outcome<LorawanUplink> {
  const server = SERVER_NAME[u.network]
  if (u.fPort === null || u.fPort === 0) {
    return fail(`${server} uplink from ${u.deviceId} has fPort 0: MAC commands only, no application payload`)
  }
  const noBytes = u.frmPayload === null || u.frmPayload.byteLength === 0
  if (noBytes && u.decoded === undefined) {
    return fail(`${server} uplink from ${u.deviceId} carries no application payload and no decoded object`)
  }
  return ok(u)
}
