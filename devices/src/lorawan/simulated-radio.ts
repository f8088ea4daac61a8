/**
 * The radio side of a simulated uplink, shared by the envelope encoders: one EU868 channel at
 * SF7/125 kHz (DR5), heard by one gateway. Plausible values, not a radio model.
 */
export const SIM_FREQUENCY_HZ = 868_100_000
export const SIM_DATA_RATE = 5
export const SIM_SPREADING_FACTOR = 7
export const SIM_BANDWIDTH_HZ = 125_000

/** Heard when the input names no gateway. The id is a gateway EUI, which both servers accept. */
export const SIM_GATEWAY = { id: '0016c001f153a14c', rssi: -92, snr: 7.5 }

/** LoRaWAN frame overhead around FRMPayload: MHDR 1 + FHDR 7 (no FOpts) + FPort 1 + MIC 4 bytes. */
const FRAME_OVERHEAD_BYTES = 13

/**
 * Time on air of the frame in seconds (Semtech AN1200.13): explicit header, CRC on, coding rate 4/5,
 * 8 preamble symbols, no low-data-rate optimisation at SF7.
 */
export function simulatedAirtimeSeconds(frmPayloadBytes: number): number {
  const sf = SIM_SPREADING_FACTOR
  const symbol = 2 ** sf / SIM_BANDWIDTH_HZ
  const phy = FRAME_OVERHEAD_BYTES + frmPayloadBytes
  const payloadSymbols = 8 + Math.max(Math.ceil((8 * phy - 4 * sf + 28 + 16) / (4 * sf)) * (1 + 4), 0)
  return (8 + 4.25 + payloadSymbols) * symbol
}

/** A stand-in DevAddr (the network server assigns the real one at join): the DevEUI's last 4 bytes. */
export function simulatedDevAddr(devEui: string): string {
  return devEui.toLowerCase().slice(-8)
}

/** A deterministic id in UUID form from hex digits, for ids a server would draw at random. */
export function simulatedUuid(hex: string): string {
  const h = hex
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .padEnd(32, '0')
    .slice(0, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
