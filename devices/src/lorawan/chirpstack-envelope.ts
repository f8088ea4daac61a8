import { encodeBase64 } from './base64.ts'
import type { UplinkEnvelopeInput } from './uplink.ts'
import {
  SIM_BANDWIDTH_HZ,
  SIM_DATA_RATE,
  SIM_FREQUENCY_HZ,
  SIM_GATEWAY,
  SIM_SPREADING_FACTOR,
  simulatedDevAddr,
  simulatedUuid,
} from './simulated-radio.ts'

/** The tenant a fresh ChirpStack v4 installation creates ("ChirpStack"), used when the input names none. */
export const CHIRPSTACK_DEFAULT_TENANT = '52f14cd4-c6f1-4fbd-8f87-4025e1d49242'

/**
 * An uplink as a ChirpStack v4 `up` event with the JSON marshaler, as the MQTT integration publishes
 * it on `application/{application id}/device/{dev eui}/event/up`: for simulators and fixtures.
 * `applicationId` should be a UUID, as ChirpStack's are. Like ChirpStack, omits zero and empty fields.
 */
export function chirpstackUplinkEnvelope(input: UplinkEnvelopeInput): Record<string, unknown> {
  const at = input.receivedAt.toISOString()
  const devEui = input.devEui.toLowerCase()
  const gateway = input.gateway ?? SIM_GATEWAY
  const millis = (input.receivedAt.getTime() >>> 0).toString(16).padStart(8, '0')
  const fCntHex = (input.fCnt >>> 0).toString(16).padStart(8, '0')
  return {
    deduplicationId: simulatedUuid(`${devEui}${fCntHex}${millis}`),
    time: at,
    deviceInfo: {
      tenantId: input.tenantId ?? CHIRPSTACK_DEFAULT_TENANT,
      tenantName: input.tenantId === undefined ? 'ChirpStack' : input.tenantId,
      applicationId: input.applicationId,
      applicationName: input.applicationId,
      deviceProfileId: simulatedUuid(''),
      deviceProfileName: 'Simulated device',
      deviceName: input.deviceId,
      devEui,
      deviceClassEnabled: 'CLASS_A',
    },
    devAddr: simulatedDevAddr(devEui),
    adr: true,
    dr: SIM_DATA_RATE,
    ...(input.fCnt !== 0 ? { fCnt: input.fCnt } : {}),
    ...(input.fPort !== 0 ? { fPort: input.fPort } : {}),
    ...(input.frmPayload && input.frmPayload.byteLength > 0 ? { data: encodeBase64(input.frmPayload) } : {}),
    ...(input.decoded !== undefined ? { object: input.decoded } : {}),
    rxInfo: [
      {
        gatewayId: gateway.id.toLowerCase(),
        uplinkId: (input.fCnt * 7919 + 1) >>> 0,
        nsTime: at,
        rssi: gateway.rssi,
        snr: gateway.snr,
        context: 'AAAAAA==',
        metadata: { region_config_id: 'eu868', region_common_name: 'EU868' },
        crcStatus: 'CRC_OK',
      },
    ],
    txInfo: {
      frequency: SIM_FREQUENCY_HZ,
      modulation: {
        lora: { bandwidth: SIM_BANDWIDTH_HZ, spreadingFactor: SIM_SPREADING_FACTOR, codeRate: 'CR_4_5' },
      },
    },
    regionConfigId: 'eu868',
  }
}
