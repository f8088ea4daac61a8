import fc from 'fast-check'
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import {
  GATEWAY_USER,
  NO_SIMULATION,
  eventually,
  health,
  registerContainer,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

const MESSAGES = 10_000
const enc = new TextEncoder()

/** Topics a gateway may publish to: real and unknown devices, native and in LoRaWAN envelopes. */
const topic = fc.oneof(
  fc.constant('urbantwin/v1/devices/fz-1/up'),
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/).map((id) => `urbantwin/v1/devices/${id}/up`),
  fc.stringMatching(/^[a-z0-9]{2,10}$/).map((id) => `v3/app@tenant/devices/${id}/up`),
  fc
    .stringMatching(/^[0-9a-f]{16}$/)
    .map((eui) => `application/3f6e1a52-7c1b-4d7e-9a55-2b8f0c1d4e6a/device/${eui}/event/up`),
)
const valid = { fillingLevel: 0.4, temperature: 8, batteryLevel: 0.9, status: 'ok' }
/** Payloads: random bytes, random JSON, and valid readings with one field broken or added. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc
    .tuple(fc.constantFrom(...Object.keys(valid), 'extra', 'mac', 'distanceMm'), fc.jsonValue())
    .map(([k, v]) => enc.encode(JSON.stringify({ ...valid, [k]: v }))),
  fc.string().map((s) => enc.encode(s)),
)

describe('10,000 random and mutated messages: nothing crashes, every refused one is quarantined', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess | undefined
  afterAll(async () => {
    await platform?.stop()
    tmp.remove()
  })

  it('accounts for every message as stored or quarantined with a reason', async () => {
    platform = await startPlatformProcess({ dataDir: tmp.dir, env: NO_SIMULATION })
    await registerContainer(platform, 'fz-1')
    const messages = fc.sample(fc.tuple(topic, payload), { numRuns: MESSAGES, seed: 4242 })
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      username: GATEWAY_USER,
      password: secretsOf(platform).simulatorPassword,
      reconnectPeriod: 0,
    })
    try {
      for (let i = 0; i < messages.length; i += 200) {
        await Promise.all(
          messages.slice(i, i + 200).map(([t, p]) => c.publishAsync(t, Buffer.from(p), { qos: 1 })),
        )
      }
    } finally {
      await c.endAsync()
    }
    const h = await eventually(
      async () => {
        const x = await health(platform!)
        return x.ingest.received === MESSAGES && x.wal.backlog === 0 ? x : undefined
      },
      'all messages handled',
      120_000,
    )
    expect(h.ingest.accepted + h.ingest.quarantined).toBe(MESSAGES)
    expect(h.ingest.quarantined).toBeGreaterThan(MESSAGES * 0.8)
    const apiKey = secretsOf(platform).apiAdminKey
    const counts = (await (
      await fetch(`${platform.base}/api/quarantine/counts`, {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).json()) as {
      total: number
      byCategory: Record<string, number>
    }
    expect(counts.total).toBe(h.ingest.quarantined)
    expect(Object.keys(counts.byCategory).length).toBeGreaterThanOrEqual(4)
    const page = (await (
      await fetch(`${platform.base}/api/quarantine?$top=1000`, {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).json()) as {
      value: { reason: string; category: string }[]
    }
    expect(page.value.every((m) => m.reason.length > 0)).toBe(true)
    expect(platform.child.exitCode).toBeNull() // still running
    console.info(
      `fuzz: ${h.ingest.accepted} stored, ${h.ingest.quarantined} quarantined: ${JSON.stringify(counts.byCategory)}`,
    )
  }, 180_000)
})
