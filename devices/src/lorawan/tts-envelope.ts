import { encodeBase64 } from './base64.ts'
import type { UplinkEnvelopeInput } from './uplink.ts'
import {
  SIM_BANDWIDTH_HZ,
  SIM_FREQUENCY_HZ,
  SIM_GATEWAY,
  SIM_SPREADING_FACTOR,
  simulatedAirtimeSeconds,
  simulatedDevAddr,
} from './simulated-radio.ts'

/** Tenant of The Things Network's community clusters (`v3/{app}@ttn/…`), used when the input names none. */
export const TTS_DEFAULT_TENANT = 'ttn'

/**
 * An uplink in The Things Stack v3 JSON, as its MQTT server publishes it on
 * `v3/{application id}@{tenant id}/devices/{device id}/up`: for simulators and fixtures. Like TTS,
 * omits fields whose value is 0 or empty (`f_cnt` 0, `f_port` 0, no payload).
 */
export function ttsUplinkEnvelope(input: UplinkEnvelopeInput): Record<string, unknown> {
  const at = input.receivedAt.toISOString()
  const gateway = input.gateway ?? SIM_GATEWAY
  const eui = /^[0-9a-f]{16}$/i.test(gateway.id) ? { eui: gateway.id.toUpperCase() } : {}
  const payloadBytes = input.frmPayload?.byteLength ?? 0
  const uplink: Record<string, unknown> = {
    ...(input.fPort !== 0 ? { f_port: input.fPort } : {}),
    ...(input.fCnt !== 0 ? { f_cnt: input.fCnt } : {}),
    ...(payloadBytes > 0 && input.frmPayload ? { frm_payload: encodeBase64(input.frmPayload) } : {}),
    ...(input.decoded !== undefined ? { decoded_payload: input.decoded } : {}),
    rx_metadata: [
      {
        gateway_ids: { gateway_id: gateway.id.toLowerCase(), ...eui },
        time: at,
        rssi: gateway.rssi,
        channel_rssi: gateway.rssi,
        snr: gateway.snr,
        received_at: at,
      },
    ],
    settings: {
      data_rate: {
        lora: { bandwidth: SIM_BANDWIDTH_HZ, spreading_factor: SIM_SPREADING_FACTOR, coding_rate: '4/5' },
      },
      frequency: String(SIM_FREQUENCY_HZ), // uint64 → JSON string (proto3 JSON mapping)
      time: at,
    },
    received_at: at,
    consumed_airtime: `${simulatedAirtimeSeconds(payloadBytes).toFixed(6)}s`,
    network_ids: { net_id: '000013', tenant_id: input.tenantId ?? TTS_DEFAULT_TENANT, cluster_id: 'eu1' },
  }
  return {
    end_device_ids: {
      device_id: input.deviceId,
      application_ids: { application_id: input.applicationId },
      dev_eui: input.devEui.toUpperCase(),
      dev_addr: simulatedDevAddr(input.devEui).toUpperCase(),
    },
    correlation_ids: [`as:up:sim-${input.deviceId}-${input.fCnt}`],
    received_at: at,
    uplink_message: uplink,
  }
}
