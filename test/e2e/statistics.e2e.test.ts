import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { representativePoint, type GeoJsonMultiPolygon } from '@urbantwin/model'
import { NO_SIMULATION, eventually, registerDevice, startPlatformProcess, tempDataDir } from '../src/index.ts'

type Json = Record<string, unknown>
type Collection<T = Json> = { value: T[]; '@iot.count'?: number }

/** `npm start` brings the City of Munich statistics with it: imported on the first start, once. */
describe('the platform imports the shipped City of Munich statistics on its first start', () => {
  const tmp = tempDataDir()
  afterAll(() => tmp.remove())

  it('serves the published population numbers and district polygons, and does not import again', async () => {
    const env = { ...NO_SIMULATION, STATISTICS_IMPORT: 'true' }
    const first = await startPlatformProcess({ dataDir: tmp.dir, env })
    try {
      const done = await first.waitForLog(
        (l) => l.msg === 'City of Munich statistics imported',
        'import',
        120_000,
      )
      expect(done).toMatchObject({ areas: { created: 26 }, observations: { created: 7800 } })
      const derived = await first.waitForLog(
        (l) => l.msg === 'share of women and gender gaps derived',
        'derive',
      )
      // 26 areas: a share of women each, 14 gender gaps each (11 indicators, mean age at death 3 times)
      expect(derived).toMatchObject({ streams: { created: 26 * 15 } })
      await first.waitForLog((l) => l.msg === 'residents per device derived', 'residents per device')
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(`${first.base}/v1.1/${path}`)
        expect(res.status, path).toBe(200)
        return (await res.json()) as T
      }
      const q = encodeURIComponent
      const city = await get<Collection>(
        `MultiDatastreams?$filter=${q("properties/key eq 'munich:population:munich:city'")}`,
      )
      expect(city.value).toHaveLength(1)
      const id = city.value[0]!['@iot.id'] as number
      const y2024 = await get<Collection<{ result: number[]; '@iot.id': number }>>(
        `MultiDatastreams(${id})/Observations?$filter=${q('phenomenonTime eq 2024-12-31T00:00:00Z')}`,
      )
      expect(y2024.value[0]!.result.slice(0, 3)).toEqual([1_603_776, 811_327, 792_449])
      const foi = await get<{ feature: { type: string } }>(
        `Observations(${y2024.value[0]!['@iot.id']})/FeatureOfInterest`,
      )
      expect(foi.feature.type).toBe('MultiPolygon')
      const labour = await get<Collection>(
        `MultiDatastreams?$count=true&$top=1&$filter=${q("properties/disaggregation/byGender eq true and properties/disaggregation/domain eq 'labour'")}`,
      )
      expect(labour['@iot.count']).toBe(7 * 26)
      const districts = await get<Collection<{ name: string; Locations: { location: { type: string } }[] }>>(
        `Things?$count=true&$expand=Locations&$filter=${q("properties/statisticalArea/level eq 'district'")}`,
      )
      expect(districts['@iot.count']).toBe(25)
      // the gender data gap report counts them: every imported stream is disaggregated by gender
      const gap = (await (await fetch(`${first.base}/api/gender-data-gap`)).json()) as {
        total: number
        byGender: number
        byDomain: { domain: string; total: number; byGender: number }[]
        byProvenance: { provenance: string; total: number; byGender: number }[]
        streams: { since: string | null; area: string }[]
      }
      console.info('gender data gap (statistics only):', JSON.stringify(gap.byDomain))
      // 364 imported, 390 derived by gender, 2 × 26 residents per device (not by gender)
      expect([gap.total, gap.byGender]).toEqual([364 + 390 + 52, 364 + 390])
      expect(gap.byDomain.find((d) => d.domain === 'labour')).toEqual({
        domain: 'labour',
        total: 364,
        byGender: 364,
        share: 1,
      })
      expect(gap.byProvenance).toEqual([
        { provenance: 'derived', total: 442, byGender: 390, share: 0.8824 },
        { provenance: 'official-statistic', total: 364, byGender: 364, share: 1 },
      ])
      expect(gap.streams.filter((s) => s.area === 'district')).toHaveLength(775)
      expect(gap.streams.every((s) => s.since !== null)).toBe(true)

      // a public WLAN access point registered in the Altstadt: its residents per access point follow
      const altstadt = districts.value.find((t) => t.name === 'Stadtbezirk 01 Altstadt-Lehel')!
      const [lon, lat] = representativePoint(
        altstadt.Locations[0]!.location as unknown as GeoJsonMultiPolygon,
      )
      await registerDevice(first, {
        deviceId: 'ap-altstadt',
        kind: 'wlan-access-point',
        name: 'AP Marienhof',
        lon,
        lat,
      })
      const perAp = await get<Collection<{ '@iot.id': number }>>(
        `MultiDatastreams?$filter=${q("properties/key eq 'derived:residents-per-device:wlan-access-point:munich:district:01'")}`,
      )
      const residents = (
        await get<Collection<{ result: number[] }>>(
          `MultiDatastreams(${perAp.value[0]!['@iot.id']})/Observations?$top=1`,
        )
      ).value[0]!.result[2]!
      expect(residents).toBe(20_876) // 2024
      await eventually(async () => {
        const latest = await get<Collection<{ result: (number | null)[] }>>(
          `MultiDatastreams(${perAp.value[0]!['@iot.id']})/Observations?$top=1`,
        )
        return JSON.stringify(latest.value[0]?.result) === JSON.stringify([residents, 1, residents])
          ? true
          : undefined
      }, 'residents per access point after the registration')
      expect(new Set(districts.value.map((t) => t.Locations[0]!.location.type))).toEqual(
        new Set(['MultiPolygon']),
      )
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0)
    }
    const marker = readFileSync(join(first.dataDir, 'imports.json'), 'utf8')
    const second = await startPlatformProcess({ dataDir: tmp.dir, env })
    try {
      const things = (await (
        await fetch(`${second.base}/v1.1/Things?$count=true&$top=1`)
      ).json()) as Collection
      expect(things['@iot.count']).toBe(26 + 1) // the areas and the access point
      expect(second.logs.some((l) => l.msg === 'City of Munich statistics imported')).toBe(false)
      expect(second.logs.some((l) => l.msg === 'share of women and gender gaps derived')).toBe(false)
      expect(readFileSync(join(second.dataDir, 'imports.json'), 'utf8')).toBe(marker)
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0)
    }
  }, 240_000)
})
