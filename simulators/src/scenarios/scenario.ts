/** A simulated device at a real site. `devEui` identifies it on LoRaWAN (ChirpStack keys devices by it). */
export type SimDevice = {
  deviceId: string
  devEui: string
  kind: string
  name: string
  address: string | null
  lon: number
  lat: number
  /** Thing properties to provision (e.g. calibration, site type). */
  properties: Record<string, unknown>
}

/** What one device sends at one tick: its native JSON, and optionally a binary LoRaWAN frame. */
export type Emission = {
  deviceId: string
  payload: Record<string, unknown>
  frame?: { fPort: number; bytes: Uint8Array }
}

/**
 * A deterministic fleet: the same seed and the same sequence of tick times give the same emissions.
 * `tick(t)` advances every device to simulated time `t` and returns what the online ones report.
 */
export type Scenario = {
  kind: string
  devices: readonly SimDevice[]
  /** Simulated minutes between two reports of a device. */
  reportEveryMinutes: number
  tick(t: Date): Emission[]
  /** Collection orders from the platform: these devices are emptied at the next working-hours tick. */
  order?(deviceIds: readonly string[]): void
  /** Figures for summaries: e.g. containers above 80 %, peak clients. */
  stats(): Record<string, number>
}

/** FNV-1a: a stable 32-bit hash for seeding per-device generators and deriving ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A DevEUI in the locally administered range (first octet 0x0a… is not an IEEE OUI we claim), 16 hex digits. */
export function simulatedDevEui(deviceId: string): string {
  const a = hash32(deviceId).toString(16).padStart(8, '0')
  const b = hash32(`${deviceId}#eui`).toString(16).padStart(8, '0')
  return `0a${a.slice(2)}${b}`
}
