import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PlatformProcess } from './platform-process.ts'

/** What an operator of a running platform has: the generated secrets in its data dir. */
export function secretsOf(p: Pick<PlatformProcess, 'dataDir'>): {
  apiAdminKey: string
  simulatorPassword: string
} {
  return JSON.parse(readFileSync(join(p.dataDir, 'secrets.json'), 'utf8')) as {
    apiAdminKey: string
    simulatorPassword: string
  }
}

export const GATEWAY_USER = 'urbantwin-simulator'

/** Registers a used-clothing container through the operator API; returns its Datastream ids. */
export async function registerContainer(p: PlatformProcess, deviceId: string, lon = 11.57, lat = 48.14) {
  const res = await fetch(`${p.base}/api/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secretsOf(p).apiAdminKey}` },
    body: JSON.stringify({ deviceId, kind: 'clothing-container', name: `Container ${deviceId}`, lon, lat }),
  })
  if (res.status !== 201) throw new Error(`register ${deviceId}: ${res.status} ${await res.text()}`)
  return (await res.json()) as {
    thingId: number
    datastreams: Record<string, number>
    mqtt: { username: string; password: string }
  }
}

export type Health = {
  ingest: {
    received: number
    accepted: number
    stored: number
    duplicates: number
    quarantined: number
    byCategory: Record<string, number>
  }
  wal: { lastSeq: number; checkpoint: number; backlog: number; bytes: number }
  consumer: { consumedSeq: number; storeDownSince: string | null; retries: number; lastError: string | null }
}

export async function health(p: Pick<PlatformProcess, 'base'>): Promise<Health> {
  return (await (await fetch(`${p.base}/api/health`)).json()) as Health
}
