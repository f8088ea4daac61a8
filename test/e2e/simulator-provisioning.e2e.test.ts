import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { munichScenarios, provisionDevices, runFleet } from '@urbantwin/simulators'
import {
  NO_SIMULATION,
  eventually,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

describe('a test engineer provisions simulated devices and back-fills a day with their own logins', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess | undefined
  afterAll(async () => {
    await platform?.stop()
    tmp.remove()
  })

  it('registers every device through the API and stores history with the original timestamps', async () => {
    platform = await startPlatformProcess({
      dataDir: tmp.dir,
      env: NO_SIMULATION,
    })
    const { apiAdminKey } = secretsOf(platform)
    const scenarios = munichScenarios({ seed: 4, containers: 3, accessPoints: 2, surveys: 1 })
    const devices = scenarios.flatMap((s) => s.devices)
    const creds = await provisionDevices(platform.base, apiAdminKey, devices, 'native')
    expect(creds).toHaveLength(6)

    const from = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000)
    const run = await runFleet({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      perDevice: new Map(creds.map((c) => [c.deviceId, c.mqtt])),
      scenarios,
      mode: 'native',
      speed: 3600,
      from,
      until: new Date(from.getTime() + 3 * 3_600_000 - 1),
      log: silentLogger,
    })
    await run.finished
    await run.stop()
    // 3 hours: 3 containers × 3 + 2 APs × 12 + 1 survey × 3 messages
    expect(run.progress()).toMatchObject({ sent: 36, acked: 36, errors: 0 })
    const health = await eventually(async () => {
      const h = (await (await fetch(`${platform!.base}/api/health`)).json()) as {
        ingest: { received: number; quarantined: number }
      }
      return h.ingest.received >= 36 ? h : undefined
    }, 'all uplinks handled')
    expect(health.ingest.quarantined).toBe(0)
    type Layer = { features: { properties: { phenomenonTime: string | null } }[] }
    // the latest container reading is the last back-filled hour, not the time of the run
    const latest = await eventually(async () => {
      const l = (await (await fetch(`${platform!.base}/api/layers/containers`)).json()) as Layer
      return l.features.every((f) => f.properties.phenomenonTime) ? l : undefined
    }, 'container layer filled')
    for (const f of latest.features)
      expect(f.properties.phenomenonTime).toBe(new Date(from.getTime() + 2 * 3_600_000).toISOString())
  }, 90_000)
})
