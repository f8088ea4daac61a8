import { fail, ok, type Outcome } from '@urbantwin/model'
import type { DeviceContext, DeviceKind, Reading } from '../kind.ts'
import { decodeValue } from '../decode.ts'
import type { LorawanUplink } from './uplink.ts'

/** The server's decoded object if it has one (privacy check first), else the kind's binary decoder. */
function decodeUplink(uplink: LorawanUplink, kind: DeviceKind, ctx: DeviceContext): Outcome<Reading[]> {
  if (uplink.decoded !== undefined) return decodeValue(kind, uplink.decoded, ctx)
  if (uplink.frmPayload !== null && uplink.fPort !== null && kind.decodeBinary) {
    return kind.decodeBinary(uplink.frmPayload, uplink.fPort, ctx)
  }
  return fail(
    `device ${uplink.deviceId}: the network server sent no decoded payload and kind ${kind.id} has no binary decoder`,
  )
}

/**
 * A LoRaWAN uplink → readings of the device's kind. Readings without a device time get the network
 * server's receive time, which is closer to the radio frame than our broker's. Pure; never throws.
 */
export function lorawanReadings(
  uplink: LorawanUplink,
  kind: DeviceKind,
  ctx: DeviceContext,
): Outcome<Reading[]> {
  const readings = decodeUplink(uplink, kind, ctx)
  const receivedAt = uplink.receivedAt
  if (!readings.ok || receivedAt === null) return readings
  return ok(
    readings.value.map((r) => (r.phenomenonTime === undefined ? { ...r, phenomenonTime: receivedAt } : r)),
  )
}
