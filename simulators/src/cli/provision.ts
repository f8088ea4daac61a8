import type { SimDevice } from '../scenarios/scenario.ts'
import { registryId, type OutputMode } from '../output/messages.ts'

export type ProvisionedDevice = {
  deviceId: string
  mqtt: { username: string; password: string; topic: string }
}

/**
 * Registers simulated devices through the platform's operator API (`POST /api/devices`) and returns
 * their MQTT credentials (the provisioning output a fleet run with `--credentials` reads).
 */
export async function provisionDevices(
  api: string,
  apiKey: string,
  devices: readonly SimDevice[],
  mode: OutputMode,
  onEach?: (done: number) => void,
): Promise<ProvisionedDevice[]> {
  const out: ProvisionedDevice[] = []
  for (const d of devices) {
    const res = await fetch(new URL('/api/devices', api), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        deviceId: registryId(mode, d),
        kind: d.kind,
        name: d.name,
        ...(d.address ? { address: d.address } : {}),
        lon: d.lon,
        lat: d.lat,
        properties: { ...d.properties, simulated: true, devEui: d.devEui },
      }),
    })
    if (res.status !== 201)
      throw new Error(`registering ${d.deviceId} failed: ${res.status} ${await res.text()}`)
    const body = (await res.json()) as ProvisionedDevice
    out.push({ deviceId: d.deviceId, mqtt: body.mqtt })
    onEach?.(out.length)
  }
  return out
}
