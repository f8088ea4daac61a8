import { z } from 'zod'
import { fail, type Outcome } from '@urbantwin/model'
import { parseEnvelope } from './envelope-json.ts'
import { requireApplicationPayload, type LorawanUplink } from './uplink.ts'
import { Base64Bytes, DecodedObject, DevEui, FCnt, FPort, Instant } from './wire-fields.ts'

/**
 * ChirpStack v4 `integration.UplinkEvent` with the JSON marshaler, as the MQTT integration publishes
 * it on `application/{application id}/device/{dev eui}/event/up`. Loose objects: the event also carries
 * `deduplicationId`, `deviceInfo.tenantId`/`applicationId`/`tags`, `devAddr`, `adr`, `dr`, `confirmed`,
 * `rxInfo[]`, `txInfo`, `regionConfigId`, …; only the fields read here are typed, strictly. Zero and
 * empty fields are omitted (protobuf JSON), e.g. `fCnt` of the first uplink, `fPort`/`data` of an
 * uplink without payload.
 */
export const ChirpstackUplinkEvent = z.looseObject({
  /** When ChirpStack received the uplink (after de-duplication); may carry nanoseconds and `+00:00`. */
  time: Instant.optional(),
  deviceInfo: z.looseObject({ devEui: DevEui }),
  fCnt: FCnt.optional(),
  fPort: FPort.optional(),
  data: Base64Bytes.optional(),
  /** Set only when the device profile has a codec. */
  object: DecodedObject.optional(),
})
export type ChirpstackUplinkEvent = z.infer<typeof ChirpstackUplinkEvent>

const SERVER = 'ChirpStack'

/** ChirpStack v3 events name the device `devEUI` (base64) at the top level, v4 in `deviceInfo`. */
function looksLikeV3(json: Uint8Array): boolean {
  const head = new TextDecoder().decode(json.subarray(0, 4096))
  return head.includes('"devEUI"') || head.includes('"applicationID"')
}

/** ChirpStack v4 `up` event JSON bytes → the uplink, or a reason. Pure; never throws. */
export function parseChirpstackUplink(payload: Uint8Array): Outcome<LorawanUplink> {
  const parsed = parseEnvelope(payload, ChirpstackUplinkEvent, SERVER)
  if (!parsed.ok) {
    return looksLikeV3(payload)
      ? fail(`${parsed.reason} (ChirpStack v3 events are not supported, only v4)`)
      : parsed
  }
  const e = parsed.value
  const devEui = e.deviceInfo.devEui
  return requireApplicationPayload({
    network: 'chirpstack',
    deviceId: devEui,
    devEui,
    receivedAt: e.time ?? null,
    fPort: e.fPort ?? 0,
    fCnt: e.fCnt ?? 0,
    frmPayload: e.data ?? null,
    decoded: e.object,
  })
}
