import { ok, type Outcome } from '@urbantwin/model'
import type { DeviceKind, Reading } from '../../kind.ts'
import { validate } from '../../json-payload.ts'
import { WLAN_DATASTREAMS } from './datastreams.ts'
import { WlanAccessPointPayload } from './payload.ts'

/** Payload fields in Datastream order; each present field is one reading under its own name. */
const FIELDS = [
  'clientsConnected',
  'clientsConnected24',
  'clientsConnected5',
  'clientsConnected6',
  'apState',
  'uptime',
  'throughputRx',
  'throughputTx',
] as const satisfies readonly (keyof WlanAccessPointPayload)[]

/** A validated payload → readings, one per field sent. */
export function accessPointReadings(p: WlanAccessPointPayload): Reading[] {
  const at = p.time === undefined ? {} : { phenomenonTime: new Date(p.time).toISOString() }
  return FIELDS.flatMap((key) => {
    const result = p[key]
    return result === undefined ? [] : [{ key, result, ...at }]
  })
}

export const wlanAccessPoint: DeviceKind = {
  id: 'wlan-access-point',
  domain: 'wlan',
  name: 'Public WLAN access point',
  description:
    'Public M-WLAN access point reporting connected-client counts (never identities), state and traffic',
  sensor: {
    name: 'WLAN access point telemetry',
    description:
      'Client counts per band, AP state, uptime and throughput, as reported by the AP or its controller',
    encodingType: 'text/html',
    metadata: 'https://smartdatamodels.org/dataModel.WifiNetwork/AccessPoint',
  },
  datastreams: WLAN_DATASTREAMS,
  payload: WlanAccessPointPayload,
  decodeObject(value): Outcome<Reading[]> {
    const p = validate(WlanAccessPointPayload, value)
    return p.ok ? ok(accessPointReadings(p.value)) : p
  },
}

export { ApState, BAND_FIELDS, WlanAccessPointPayload } from './payload.ts'
export type { BandField } from './payload.ts'
