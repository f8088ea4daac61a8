import { z } from 'zod'
import { fail, type Outcome } from '@urbantwin/model'
import { parseEnvelope } from './envelope-json.ts'
import { requireApplicationPayload, type LorawanUplink } from './uplink.ts'
import { Base64Bytes, DecodedObject, DevEui, FCnt, FPort, Instant } from './wire-fields.ts'

/**
 * The Things Stack v3 application uplink (`ApplicationUp` with `uplink_message`), as its MQTT server
 * publishes it on `v3/{application id}@{tenant id}/devices/{device id}/up` and webhooks post it.
 * Loose objects: the envelope is theirs and carries more (`correlation_ids`, `rx_metadata`,
 * `settings`, `consumed_airtime`, `network_ids`, …); only the fields read here are typed, strictly. Zero and empty fields are omitted by TTS
 * ("if a certain field has a value of "", 0 or false it will not be present"), e.g. `f_cnt` of the
 * first uplink after a join.
 */
export const TtsUplinkMessage = z.looseObject({
  end_device_ids: z.looseObject({
    /** TTS identifier rule: lower-case letters and digits, single dashes inside, at most 36 characters. */
    device_id: z
      .string()
      .max(36)
      .regex(
        /^[a-z0-9](?:-?[a-z0-9]){1,35}$/,
        'a TTS device id is lower-case letters, digits and single dashes',
      ),
    application_ids: z.looseObject({ application_id: z.string().min(1) }),
    dev_eui: DevEui.optional(),
  }),
  /** When the Application Server received it. */
  received_at: Instant.optional(),
  uplink_message: z
    .looseObject({
      f_port: FPort.optional(),
      f_cnt: FCnt.optional(),
      frm_payload: Base64Bytes.optional(),
      decoded_payload: DecodedObject.optional(),
      /** When the Network Server received it: the closest trustworthy clock to the radio frame. */
      received_at: Instant.optional(),
    })
    .optional(),
})
export type TtsUplinkMessage = z.infer<typeof TtsUplinkMessage>

const SERVER = 'The Things Stack'

/** Other `ApplicationUp` messages that share the envelope but are not uplinks. */
const OTHER_MESSAGES = [
  'join_accept',
  'downlink_ack',
  'downlink_nack',
  'downlink_sent',
  'downlink_failed',
  'downlink_queued',
  'downlink_queue_invalidated',
  'location_solved',
  'service_data',
]

/** TTS v3 uplink JSON bytes → the uplink, or a reason. Pure; never throws. */
export function parseTtsUplink(payload: Uint8Array): Outcome<LorawanUplink> {
  const parsed = parseEnvelope(payload, TtsUplinkMessage, SERVER)
  if (!parsed.ok) return parsed
  const m = parsed.value
  const deviceId = m.end_device_ids.device_id
  const up = m.uplink_message
  if (!up) {
    const other = OTHER_MESSAGES.find((key) => key in m)
    return fail(
      `${SERVER} message for ${deviceId} has no uplink_message${other ? ` (it is a ${other})` : ''}`,
    )
  }
  return requireApplicationPayload({
    network: 'tts',
    deviceId,
    devEui: m.end_device_ids.dev_eui ?? null,
    receivedAt: up.received_at ?? m.received_at ?? null,
    fPort: up.f_port ?? 0,
    fCnt: up.f_cnt ?? 0,
    frmPayload: up.frm_payload ?? null,
    decoded: up.decoded_payload,
  })
}
