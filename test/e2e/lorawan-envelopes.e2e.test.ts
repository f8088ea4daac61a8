import { afterAll, describe, expect, it } from 'vitest'
import { eventually, startPlatformProcess, tempDataDir, type PlatformProcess } from '../src/index.ts'

type Health = { ingest: { received: number; stored: number; quarantined: number } }
type Collection = { value: Record<string, unknown>[]; '@iot.count'?: number }

describe.each(['tts', 'chirpstack'] as const)(
  'a city whose devices arrive through a LoRaWAN network server (%s envelopes)',
  (mode) => {
    const tmp = tempDataDir()
    let platform: PlatformProcess | undefined
    afterAll(async () => {
      await platform?.stop()
      tmp.remove()
    })

    it('stores containers (binary frames), access points and surveys (decoded objects) and serves them', async () => {
      platform = await startPlatformProcess({
        dataDir: tmp.dir,
        env: {
          SIM_MODE: mode,
          SIM_CONTAINERS: '3',
          SIM_ACCESS_POINTS: '2',
          SIM_SURVEYS: '1',
          SIM_SPEED: '36000',
        },
      })
      const base = platform.base
      const health = await eventually(async () => {
        const h = (await (await fetch(`${base}/api/health`)).json()) as Health
        return h.ingest.stored > 30 ? h : undefined
      }, 'a few rounds of envelopes stored')
      expect(health.ingest.quarantined).toBe(0)

      const things = (await (await fetch(`${base}/v1.1/Things?$count=true`)).json()) as Collection
      expect(things['@iot.count']).toBe(6)
      const kinds = things.value.map((t) => (t.properties as { kind: string }).kind).sort()
      expect(kinds).toEqual([
        'clothing-container',
        'clothing-container',
        'clothing-container',
        'hotspot-survey',
        'wlan-access-point',
        'wlan-access-point',
      ])
      if (mode === 'chirpstack') {
        // ChirpStack devices are registered by DevEUI
        expect(
          things.value.every((t) =>
            /^[0-9a-f]{16}$/.test(String((t.properties as { deviceId: string }).deviceId)),
          ),
        ).toBe(true)
      }
      // a container's fill level came through the binary ultrasonic frame and the calibration
      const container = things.value.find(
        (t) => (t.properties as { kind: string }).kind === 'clothing-container',
      )!
      const streams = (await (
        await fetch(`${base}/v1.1/Things(${String(container['@iot.id'])})/Datastreams`)
      ).json()) as Collection
      const fill = streams.value.find((d) => d.name === `Fill level of ${String(container.name)}`)!
      const obs = await eventually(async () => {
        const c = (await (
          await fetch(`${base}/v1.1/Datastreams(${String(fill['@iot.id'])})/Observations`)
        ).json()) as Collection
        return c.value.length > 0 ? c.value : undefined
      }, 'fill observations')
      expect(Number(obs[0]!.result)).toBeGreaterThanOrEqual(0)
      expect(Number(obs[0]!.result)).toBeLessThanOrEqual(100)
      const layer = (await (await fetch(`${base}/api/layers/containers`)).json()) as { features: unknown[] }
      expect(layer.features).toHaveLength(3)
    }, 90_000)
  },
)
