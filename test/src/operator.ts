import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PlatformHealth } from '@urbantwin/platform'
import type { PlatformProcess } from './platform-process.ts'

/**
 * What an operator of a running platform has: the generated secrets in its data dir, and the admin API
 * key that the first start wrote to `initial-credentials.txt` (the key file keeps only its hash).
 */
export function secretsOf(p: Pick<PlatformProcess, 'dataDir'>): {
  apiAdminKey: string
  simulatorPassword: string
} {
  const { simulatorPassword } = JSON.parse(readFileSync(join(p.dataDir, 'secrets.json'), 'utf8')) as {
    simulatorPassword: string
  }
  const initial = readFileSync(join(p.dataDir, 'initial-credentials.txt'), 'utf8')
  const apiAdminKey = /^Admin API key .*: (ut_\S+)$/m.exec(initial)?.[1]
  if (!apiAdminKey) throw new Error('no admin API key in initial-credentials.txt')
  return { apiAdminKey, simulatorPassword }
}

export const GATEWAY_USER = 'urbantwin-simulator'

/** Platform settings for tests and benchmarks that bring their own devices: no simulated city. */
export const NO_SIMULATION = { SIM_CONTAINERS: '0', SIM_ACCESS_POINTS: '0', SIM_SURVEYS: '0' } as const

/** Registers a device through the operator API; returns its stream ids and its MQTT login. */
export async function registerDevice(
  p: PlatformProcess,
  device: { deviceId: string; kind: string; name: string; lon: number; lat: number } & Record<
    string,
    unknown
  >,
) {
  const res = await fetch(`${p.base}/api/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secretsOf(p).apiAdminKey}` },
    body: JSON.stringify(device),
  })
  if (res.status !== 201) throw new Error(`register ${device.deviceId}: ${res.status} ${await res.text()}`)
  return (await res.json()) as {
    thingId: number
    datastreams: Record<string, number>
    mqtt: { username: string; password: string; topic: string }
  }
}

/** Registers a used-clothing container through the operator API; returns its Datastream ids. */
export function registerContainer(p: PlatformProcess, deviceId: string, lon = 11.57, lat = 48.14) {
  return registerDevice(p, { deviceId, kind: 'clothing-container', name: `Container ${deviceId}`, lon, lat })
}

/** Registers many containers, `concurrency` requests at a time. */
export async function registerContainers(p: PlatformProcess, deviceIds: readonly string[], concurrency = 25) {
  const out: Awaited<ReturnType<typeof registerContainer>>[] = []
  for (let i = 0; i < deviceIds.length; i += concurrency)
    out.push(
      ...(await Promise.all(deviceIds.slice(i, i + concurrency).map((id) => registerContainer(p, id)))),
    )
  return out
}

export type Health = PlatformHealth

export async function health(p: Pick<PlatformProcess, 'base'>): Promise<Health> {
  return (await (await fetch(`${p.base}/api/health`)).json()) as Health
}
