import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  derivationOf,
  disaggregationOf,
  representativePoint,
  suppress,
  type DatastreamRecord,
  type GeoJsonMultiPolygon,
  type Id,
  type ThingRecord,
} from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import {
  deriveGenderIndicators,
  deriveResidentsPerDevice,
  munichStatistics,
  publishDataset,
  valueName,
  type DeriveResult,
} from '../src/index.ts'

/**
 * The derived indicators in a real embedded store, checked against the shipped files read here on
 * their own: the share of women against the published share, each gender gap against the published
 * female and male values, and residents per device against devices placed in known districts.
 */

const require = createRequire(import.meta.url)
type Row = Record<string, string>
const shipped = (name: string) => readFileSync(require.resolve(`@urbantwin/model/data/munich/${name}`))
const shippedCsv = (name: string): Row[] => parse(shipped(name), { columns: true, bom: true }) as Row[]
const yearOf = (iso: string) => Number(iso.slice(0, 4))

describe('indicators the platform derives from the statistics and its registry', () => {
  let store: Store
  let first: DeriveResult
  let things: ThingRecord[]
  let derived: DatastreamRecord[]
  const areaOf = (sb: number) =>
    things.find((t) => (t.properties?.statisticalArea as { number?: number } | undefined)?.number === sb)!
  const derivedOf = (sb: number, prefix: string) =>
    derived.filter((d) => d.thingId === areaOf(sb).id && String(d.properties?.key).startsWith(prefix))
  const series = async (id: Id) =>
    new Map(
      (await store.observations(id, { top: 1000, skip: 0 })).items.map((o) => [
        yearOf(o.phenomenonTime),
        o.result as number,
      ]),
    )

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    await publishDataset(store, await munichStatistics())
    first = await deriveGenderIndicators(store)
    things = (await store.things({ top: 1000, skip: 0 })).items
    derived = (await store.datastreams({ top: 10_000, skip: 0 })).items
  }, 120_000)
  afterAll(() => store?.close())

  it('publishes the share of women per area, equal to the published share in every year', async () => {
    const rows = shippedCsv('bevoelkerung_geschlecht_stadtbezirke.csv')
    const bySb = new Map<number, Map<number, number>>()
    for (let sb = 0; sb <= 25; sb++) {
      const [share] = derivedOf(sb, 'derived:share-of-women:')
      expect(share, `area ${sb}`).toBeDefined()
      bySb.set(sb, await series(share!.id))
    }
    for (const r of rows) {
      const own = Number(r.weiblich) / Number(r.einwohner_gesamt)
      expect(bySb.get(Number(r.sb_nummer))!.get(Number(r.jahr))).toBeCloseTo(own * 100, 2)
      expect(bySb.get(Number(r.sb_nummer))!.get(Number(r.jahr))).toBe(Number(r.anteil_weiblich_pct))
    }
    expect([...bySb.values()].reduce((n, m) => n + m.size, 0)).toBe(rows.length)
    const [city] = derivedOf(0, 'derived:share-of-women:')
    expect((await series(city!.id)).get(2024)).toBe(50.59) // 811,327 of 1,603,776
  })

  it('publishes female − male of every indicator as published, per citizenship where split', async () => {
    const rows = shippedCsv('indikatoren_geschlecht_stadtbezirke.csv')
    // the indicator values by area, indicator, further category and year: female and male
    const pairs = new Map<string, { f?: Row; m?: Row }>()
    for (const r of rows) {
      const [gender, ...rest] = r.auspraegung!.split(' ')
      if (gender !== 'weiblich' && gender !== 'männlich') continue
      const id = `${r.sb_nummer}|${r.indikator}|${rest.join(' ')}|${r.jahr}`
      const p = pairs.get(id) ?? {}
      if (gender === 'weiblich') p.f = r
      else p.m = r
      pairs.set(id, p)
    }
    const gaps = derived.filter((d) => String(d.properties?.key).startsWith('derived:gender-gap:'))
    // 11 indicators with one pair, mean age at death with three (total, German, foreign), in 26 areas
    expect(gaps).toHaveLength((11 + 3) * 26)
    const byName = new Map(gaps.map((g) => [g.name, g]))
    const cache = new Map<Id, Map<number, number>>()
    let compared = 0
    const withheld: string[] = []
    const sources = (await store.multiDatastreams({ top: 10_000, skip: 0 })).items
    const publicOf = new Map<Id, Map<number, Set<number>>>()
    for (const [id, { f, m }] of pairs) {
      expect(f && m, id).toBeTruthy()
      const [sb, indicator, category, year] = id.split('|')
      const label =
        category === '' || category === 'insgesamt'
          ? ''
          : ` (${category === 'deutsch' ? 'german' : 'foreign'})`
      const area = areaOf(Number(sb))
      const areaName = (area.properties!.statisticalArea as { name: string }).name
      const stream = byName.get(`Gender Gap ${indicator}${label} – ${areaName}`)
      expect(stream, `${indicator}${label} in ${sb}`).toBeDefined()
      if (!cache.has(stream!.id)) cache.set(stream!.id, await series(stream!.id))
      const got = cache.get(stream!.id)!.get(Number(year))
      // what the public sees of the source (the suppression rule, property-tested in model): where
      // the female or the male value is hidden, there is no derived number either
      const source = sources.find(
        (x) => x.thingId === area.id && (x.properties?.indicator as { name: string }).name === indicator,
      )!
      const d = disaggregationOf(source.properties)!
      if (!publicOf.has(source.id)) {
        const obs = (await store.observations(source.id, { top: 1000, skip: 0 })).items
        publicOf.set(
          source.id,
          new Map(
            obs.map((o) => [yearOf(o.phenomenonTime), new Set(suppress(o.result as number[], d).suppressed)]),
          ),
        )
      }
      const hidden = publicOf.get(source.id)!.get(Number(year))!
      const cellOf = (r: Row) => d.cells.findIndex((c) => c.name === valueName(indicator!, r.auspraegung!))
      if (hidden.has(cellOf(f!)) || hidden.has(cellOf(m!))) {
        expect(got, id).toBeUndefined()
        withheld.push(id)
        continue
      }
      expect(got, id).toBeCloseTo(Number(f!.indikatorwert) - Number(m!.indikatorwert), 9)
      compared++
    }
    expect(compared + withheld.length).toBe(pairs.size)
    // deaths below 10 (of foreign residents in small districts) hide the foreign mean ages at death
    // and, through the totals, the German ones: those years have no gap; every other value has one
    expect(withheld.length).toBeGreaterThan(0)
    expect(withheld.every((w) => /\|Durchschnittsalter Gestorbene\|(deutsch|nichtdeutsch)\|/.test(w))).toBe(
      true,
    )
    console.info(
      `gender gaps compared with the files: ${compared}; withheld (an input suppressed): ${withheld.length}`,
    )
  }, 60_000)

  it('says how each was derived, from which inputs, under which licence', async () => {
    const unemployed = derivedOf(5, 'derived:gender-gap:arbeitslose:')
    expect(unemployed).toHaveLength(1)
    const d = unemployed[0]!
    expect(d.unitOfMeasurement.name).toBe('percentage point')
    expect(derivationOf(d.properties)).toMatchObject({
      inputs: ['munich:indicator:arbeitslose:munich:district:05'],
      domain: 'labour',
      method: expect.stringMatching(/weiblich.*−.*männlich/),
    })
    expect(disaggregationOf(d.properties)).toMatchObject({ byGender: true, provenance: 'derived' })
    expect(d.properties).toMatchObject({
      license: { id: 'dl-de/by-2-0' },
      attribution: expect.stringMatching(/dl-de\/by-2-0.*Abgeleitet von UrbanTwin/),
    })
    const age = derivedOf(5, 'derived:gender-gap:durchschnittsalter-gestorbene:')
    expect(age.map((a) => a.unitOfMeasurement.symbol)).toEqual(['a', 'a', 'a'])
    expect(derived.filter((x) => !derivationOf(x.properties))).toEqual([])
  })

  it('is idempotent: a second run finds every stream and Observation', async () => {
    const again = await deriveGenderIndicators(store)
    expect(again.streams).toEqual({ created: 0, existing: first.streams.created })
    expect(again.observations).toEqual({ created: 0, revised: 0, unchanged: first.observations.created })
    expect(again.withdrawn).toBe(0)
  }, 60_000)

  it('withdraws a derived number once its input is no longer public (a larger k), and back', async () => {
    const gapsOf = async () => {
      const all = (await store.datastreams({ top: 10_000, skip: 0 })).items.filter((d) =>
        String(d.properties?.key).startsWith('derived:gender-gap:durchschnittsalter-gestorbene:'),
      )
      let n = 0
      for (const d of all) n += (await store.observations(d.id, { top: 1000, skip: 0 })).items.length
      return n
    }
    const before = await gapsOf()
    const strict = await deriveGenderIndicators(store, { minCell: 50 })
    expect(strict.withdrawn).toBeGreaterThan(0)
    const after = await gapsOf()
    expect(after).toBeLessThan(before)
    // nothing left that k = 50 hides: a further run at k = 50 withdraws nothing
    expect((await deriveGenderIndicators(store, { minCell: 50 })).withdrawn).toBe(0)
    const back = await deriveGenderIndicators(store)
    expect(back.withdrawn).toBe(0)
    expect(await gapsOf()).toBe(before)
    derived = (await store.datastreams({ top: 10_000, skip: 0 })).items
  }, 120_000)

  it('publishes residents per WLAN access point and per container of each area, as devices come and go', async () => {
    const geo = JSON.parse(shipped('stadtbezirke.geojson').toString('utf8')) as {
      features: { properties: { sb_nummer: number }; geometry: GeoJsonMultiPolygon }[]
    }
    const inside = (sb: number) =>
      representativePoint(geo.features.find((f) => f.properties.sb_nummer === sb)!.geometry)
    const place = (id: string, kind: string, [lon, lat]: [number, number]) =>
      store.provisionDevice({ ...sampleProvision(id, { lon, lat }), kind })
    await place('ap-1', 'wlan-access-point', inside(1))
    await place('ap-2', 'wlan-access-point', inside(1))
    await place('ap-augsburg', 'wlan-access-point', [10.8978, 48.3705]) // outside the city
    await place('c-1', 'clothing-container', inside(5))

    const residents = new Map(
      shippedCsv('bevoelkerung_geschlecht_stadtbezirke.csv')
        .filter((r) => r.jahr === '2024')
        .map((r) => [Number(r.sb_nummer), Number(r.einwohner_gesamt)]),
    )
    const r1 = residents.get(1)!
    const r5 = residents.get(5)!
    const city = residents.get(0)!
    const run = await deriveResidentsPerDevice(store, { now: () => new Date('2026-01-01T00:00:00Z') })
    expect(run.streams).toEqual({ created: 2 * 26, existing: 0 })
    const multis = (await store.multiDatastreams({ top: 10_000, skip: 0 })).items.filter((m) =>
      String(m.properties?.key).startsWith('derived:residents-per-device:'),
    )
    const latest = async (kind: string, sb: number) => {
      const m = multis.find(
        (x) => x.thingId === areaOf(sb).id && String(x.properties?.key).includes(`:${kind}:`),
      )!
      return (await store.latestObservations([m.id])).get(m.id)?.observation.result
    }
    expect(await latest('wlan-access-point', 1)).toEqual([Math.round((r1 / 2) * 10) / 10, 2, r1])
    expect(await latest('wlan-access-point', 5)).toEqual([null, 0, r5])
    expect(await latest('clothing-container', 5)).toEqual([r5, 1, r5])
    expect(await latest('wlan-access-point', 0)).toEqual([city / 2, 2, city])
    expect(await latest('clothing-container', 0)).toEqual([city, 1, city])

    // nothing changed: nothing added; a new access point in district 5: one new Observation there
    const same = await deriveResidentsPerDevice(store, { now: () => new Date('2026-01-01T01:00:00Z') })
    expect(same.observations).toEqual({ created: 0, revised: 0, unchanged: 2 * 26 })
    await place('ap-3', 'wlan-access-point', inside(5))
    const later = await deriveResidentsPerDevice(store, { now: () => new Date('2026-01-01T02:00:00Z') })
    expect(later.observations).toEqual({ created: 2, revised: 0, unchanged: 2 * 26 - 2 }) // district 5, city
    expect(await latest('wlan-access-point', 5)).toEqual([r5, 1, r5])
    expect(await latest('wlan-access-point', 0)).toEqual([Math.round((city / 3) * 10) / 10, 3, city])
    const m = multis.find(
      (x) =>
        String(x.properties?.key) === 'derived:residents-per-device:wlan-access-point:munich:district:05',
    )!
    expect(derivationOf(m.properties)).toMatchObject({ domain: 'wlan' })
    expect((await store.observations(m.id, { top: 10, skip: 0 })).items.map((o) => o.phenomenonTime)).toEqual(
      ['2026-01-01T02:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    )

    for (const again of [await deriveGenderIndicators(store), await deriveResidentsPerDevice(store)]) {
      expect(again.streams.created).toBe(0)
      expect(again.observations.created).toBe(0)
    }
  }, 60_000)
})
