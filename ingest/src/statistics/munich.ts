import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { parse } from 'csv-parse/sync'
import { union, type Geom } from 'polyclip-ts'
import { COUNT, COUNT_OBSERVATION, MEASUREMENT, PERCENT } from '@urbantwin/devices'
import {
  DL_DE_BY_2_0,
  type Cell,
  type Gender,
  type GeoJsonMultiPolygon,
  type ObservedProperty,
  type SumConstraint,
  type UnitOfMeasurement,
} from '@urbantwin/model'
import type { StatisticalArea, StatisticalDataset, StatisticalStream, YearlyValues } from './dataset.ts'

/**
 * The City of Munich's statistics shipped in `model/data/munich` (see its README for provenance):
 * the 25 districts (Stadtbezirke) and the city, population by sex and citizenship 2000–2024, and every
 * sex-disaggregated indicator of the Indikatorenatlas, each with its official definition, primary
 * source and the dl-de/by-2-0 attribution. Numbers are taken as published, never changed.
 */

const STATS_ATTRIBUTION =
  'Datenquelle: Landeshauptstadt München, Statistisches Amt, Indikatorenatlas München (Stand August 2025), dl-de/by-2-0; verändert (Auszug, Umformatierung).'
const DISTRICTS_ATTRIBUTION =
  'Datenquelle: dl-de/by-2-0: Landeshauptstadt München – Kommunalreferat – GeodatenService (Stadtbezirke, vablock_stadtbezirk); verändert (Koordinatentransformation).'
const LICENSE = { id: DL_DE_BY_2_0.id, name: DL_DE_BY_2_0.name, url: DL_DE_BY_2_0.url }
const PUBLISHER = 'Landeshauptstadt München, Statistisches Amt (Indikatorenatlas München)'
/** The imprint of the exported files: "Stand der Datei: August 2025". */
const PUBLISHED_AT = '2025-08-01T00:00:00.000Z'
const YEAR: UnitOfMeasurement = {
  name: 'year',
  symbol: 'a',
  definition: 'http://unitsofmeasure.org/ucum.html#para-31',
}
const TWO_CATEGORIES =
  'The source distinguishes female and male only (residents\u2019 register as published by the Indikatorenatlas); diverse and unspecified are not reported separately: they are unknown here, not zero.'
const OWN = 'urn:urbantwin:property:munich'
export const MUNICH_STATISTICS_ID = 'munich-statistics'

const require = createRequire(import.meta.url)
const shipped = (name: string) => require.resolve(`@urbantwin/model/data/munich/${name}`)

type Row = Record<string, string>
const csv = async (name: string): Promise<Row[]> =>
  parse(await readFile(shipped(name)), { columns: true, skip_empty_lines: true, bom: true }) as Row[]

const num = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null
  const n = Number(s)
  if (!Number.isFinite(n)) throw new Error(`not a number in the Munich statistics: "${s}"`)
  return n
}
const pad2 = (n: number) => String(n).padStart(2, '0')
export const areaKey = (sb: number) => (sb === 0 ? 'munich:city' : `munich:district:${pad2(sb)}`)
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

const round6 = (x: number) => Math.round(x * 1e6) / 1e6

/** The city as one area: the union of its districts (their shared borders dissolved). */
function cityOutline(districts: readonly GeoJsonMultiPolygon[]): GeoJsonMultiPolygon {
  const [first, ...rest] = districts.map((d) => d.coordinates as Geom)
  const merged = union(first!, ...rest)
  return {
    type: 'MultiPolygon',
    coordinates: merged.map((polygon) =>
      polygon.map((ring) => ring.map(([lon, lat]) => [round6(lon!), round6(lat!)] as [number, number])),
    ),
  }
}

type Definition = { beschreibung: string; zeitbezug: string; datenquelle: string; gliederungen: string }

async function areasOf(): Promise<{ areas: StatisticalArea[]; names: Map<number, string> }> {
  const geo = JSON.parse(await readFile(shipped('stadtbezirke.geojson'), 'utf8')) as {
    features: {
      properties: { sb_nummer: number; name: string; flaeche_km2: number }
      geometry: GeoJsonMultiPolygon
    }[]
  }
  const features = [...geo.features].sort((a, b) => a.properties.sb_nummer - b.properties.sb_nummer)
  const names = new Map<number, string>([[0, 'Landeshauptstadt München']])
  const area = (sb: number, name: string, km2: number, geometry: GeoJsonMultiPolygon): StatisticalArea => ({
    key: areaKey(sb),
    name: sb === 0 ? name : `Stadtbezirk ${pad2(sb)} ${name}`,
    description:
      sb === 0
        ? 'The City of Munich as a whole: official statistics of the Indikatorenatlas München'
        : `Munich city district ${sb} (Stadtbezirk ${name}): official statistics of the Indikatorenatlas München`,
    properties: {
      statisticalArea: {
        key: areaKey(sb),
        level: sb === 0 ? 'city' : 'district',
        number: sb,
        code: pad2(sb),
        name,
      },
      areaKm2: km2,
      license: LICENSE,
      attribution: DISTRICTS_ATTRIBUTION,
    },
    location: {
      name,
      description:
        sb === 0
          ? 'Boundary of the city: the union of its 25 districts'
          : `Boundary of the city district ${name}`,
      geometry,
      properties: { license: LICENSE, attribution: DISTRICTS_ATTRIBUTION },
    },
  })
  const districts = features.map((f) => {
    names.set(f.properties.sb_nummer, f.properties.name)
    return area(f.properties.sb_nummer, f.properties.name, f.properties.flaeche_km2, f.geometry)
  })
  const km2 = features.reduce((sum, f) => sum + f.properties.flaeche_km2, 0)
  const city = area(
    0,
    names.get(0)!,
    Math.round(km2 * 100) / 100,
    cityOutline(features.map((f) => f.geometry)),
  )
  return { areas: [city, ...districts], names }
}

/** A basiswert's name → what it counts: `Arbeitslose (weiblich)` is base `Arbeitslose`, female. */
function tagsOf(name: string): {
  base: string
  gender: Gender | 'total'
  citizenship: 'german' | 'foreign' | 'total'
} {
  let gender: Gender | 'total' = 'total'
  let citizenship: 'german' | 'foreign' | 'total' = 'total'
  const base = name
    .replace(/\s*\((weiblich|männlich|insgesamt|deutsch|nichtdeutsch)\)/g, (_, tag: string) => {
      if (tag === 'weiblich') gender = 'female'
      if (tag === 'männlich') gender = 'male'
      if (tag === 'deutsch') citizenship = 'german'
      if (tag === 'nichtdeutsch') citizenship = 'foreign'
      return ''
    })
    .trim()
  return { base, gender, citizenship }
}

function cellOf(name: string, measure: Cell['measure'], extra: Partial<Cell> = {}): Cell {
  const t = tagsOf(name)
  return {
    name,
    gender: t.gender,
    ...(t.citizenship === 'total' ? {} : { categories: { citizenship: t.citizenship } }),
    measure,
    ...extra,
  }
}

/**
 * Sum constraints a table's cells obey: a total (by gender or citizenship) over its parts, kept where
 * at least 95 % of the rows agree within 1 (the rounding of published annual means). Where a few rows
 * differ (e.g. unemployed of unknown sex), an attacker still gets close with it, so suppression must
 * treat it as exact; where many differ, the total holds more than its parts and is no constraint.
 */
function constraintsOf(cells: readonly Cell[], rows: readonly (number | null)[][]): SumConstraint[] {
  const counts = cells.flatMap((c, i) => (c.measure === 'count' ? [{ i, ...tagsOf(c.name) }] : []))
  const candidates: SumConstraint[] = []
  for (const t of counts) {
    const find = (gender: string, citizenship: string) =>
      counts.find((c) => c.base === t.base && c.gender === gender && c.citizenship === citizenship)?.i
    if (t.gender === 'total') {
      const f = find('female', t.citizenship)
      const m = find('male', t.citizenship)
      if (f !== undefined && m !== undefined) candidates.push({ total: t.i, parts: [f, m] })
    }
    if (t.citizenship === 'total') {
      const g = find(t.gender, 'german')
      const x = find(t.gender, 'foreign')
      if (g !== undefined && x !== undefined) candidates.push({ total: t.i, parts: [g, x] })
    }
  }
  return candidates.filter((c) => {
    const off = rows.filter((r) => {
      const total = r[c.total]
      const parts = c.parts.map((p) => r[p])
      if (total === null || total === undefined || parts.some((p) => p === null || p === undefined))
        return false
      return Math.abs(total - parts.reduce<number>((a, b) => a + (b as number), 0)) > 1
    })
    return off.length <= rows.length * 0.05
  })
}

const definitionText = (d: Definition | undefined) =>
  d ? `Zeitbezug: ${d.zeitbezug}. Datenquelle: ${d.datenquelle}. Gliederungen: ${d.gliederungen}.` : ''

function observedProperty(definition: string, name: string, description: string): ObservedProperty {
  return { name, definition, description }
}

function stream(
  x: Omit<StatisticalStream, 'disaggregation' | 'properties'> & {
    cells: Cell[]
    constraints: SumConstraint[]
    domain: string
    primarySource: string
    definitions: Record<string, Definition>
    indicator: { theme: string; name: string }
  },
): StatisticalStream {
  // what describes the stream goes into its metadata, not alongside it
  const { cells, constraints, domain, primarySource, definitions, indicator, ...own } = x
  const citizenship = cells.some((c) => c.categories?.citizenship !== undefined)
  const [first] = Object.values(definitions)
  return {
    ...own,
    disaggregation: {
      dimensions: citizenship ? ['gender', 'citizenship'] : ['gender'],
      byGender: true,
      genderCategories: ['female', 'male'],
      source: `${PUBLISHER}; primary source: ${primarySource}`,
      provenance: 'official-statistic',
      domain,
      note: TWO_CATEGORIES,
      cells,
      constraints,
    },
    properties: {
      indicator,
      definitions: Object.fromEntries(Object.entries(definitions).map(([k, d]) => [k, d.beschreibung])),
      timeReference: first?.zeitbezug,
      primarySource,
      publisher: PUBLISHER,
      license: LICENSE,
      attribution: STATS_ATTRIBUTION,
    },
  }
}

/** The indicator's own value for one characteristic; Basiswerte are named as published. */
export const valueName = (indikator: string, auspraegung: string) =>
  `${indikator}: Indikatorwert (${auspraegung})`

const DOMAIN: Record<string, string> = { Bevölkerung: 'population', Arbeitsmarkt: 'labour' }

async function populationStreams(
  names: Map<number, string>,
  definitions: Map<string, Definition>,
): Promise<StatisticalStream[]> {
  const rows = await csv('bevoelkerung_geschlecht_stadtbezirke.csv')
  const columns = [
    ['einwohner_gesamt', 'Hauptwohnsitzbevölkerung (insgesamt)'],
    ['weiblich', 'Hauptwohnsitzbevölkerung (weiblich)'],
    ['maennlich', 'Hauptwohnsitzbevölkerung (männlich)'],
    ['deutsch_gesamt', 'Hauptwohnsitzbevölkerung (deutsch)'],
    ['deutsch_weiblich', 'Hauptwohnsitzbevölkerung (weiblich) (deutsch)'],
    ['deutsch_maennlich', 'Hauptwohnsitzbevölkerung (männlich) (deutsch)'],
    ['nichtdeutsch_gesamt', 'Hauptwohnsitzbevölkerung (nichtdeutsch)'],
    ['nichtdeutsch_weiblich', 'Hauptwohnsitzbevölkerung (weiblich) (nichtdeutsch)'],
    ['nichtdeutsch_maennlich', 'Hauptwohnsitzbevölkerung (männlich) (nichtdeutsch)'],
  ] as const
  const cells: Cell[] = [
    ...columns.map(([, name]) => cellOf(name, 'count')),
    { name: 'Anteil weiblich (%)', gender: 'female', measure: 'ratio', of: [1, 0] },
  ]
  const table = (r: Row) => [...columns.map(([c]) => num(r[c])), num(r.anteil_weiblich_pct)]
  const byArea = new Map<number, YearlyValues[]>()
  for (const r of rows) {
    const sb = Number(r.sb_nummer)
    const list = byArea.get(sb) ?? []
    list.push({ year: Number(r.jahr), result: table(r) })
    byArea.set(sb, list)
  }
  const constraints = constraintsOf(
    cells,
    [...byArea.values()].flat().map((v) => v.result),
  )
  const frauen = definitions.get('Frauen|insgesamt')
  const observedProperties = [
    ...columns.map(([c, name]) =>
      observedProperty(
        `${OWN}:population:${slug(c)}`,
        name,
        `Main-residence population (${name}) on 31 December`,
      ),
    ),
    observedProperty(
      `${OWN}:population:anteil-weiblich`,
      'Anteil weiblich',
      frauen?.beschreibung ?? 'Share of women in %',
    ),
  ]
  return [...byArea.entries()].map(([sb, values]) =>
    stream({
      key: `munich:population:${areaKey(sb)}`,
      areaKey: areaKey(sb),
      name: `Bevölkerung nach Geschlecht und Staatsangehörigkeit – ${names.get(sb) ?? sb}`,
      description:
        'Main-residence population (Hauptwohnsitzbevölkerung) on 31 December, by sex and citizenship, with the share of women. ' +
        (frauen?.beschreibung ?? ''),
      sensor: {
        name: 'Indikatorenatlas München – Bevölkerung',
        description:
          'Residents’ register of the City of Munich as published in the Indikatorenatlas (indicator "Frauen")',
        encodingType: 'text/plain',
        metadata: definitionText(frauen),
      },
      observedProperties,
      units: [...columns.map(() => COUNT), PERCENT],
      types: [...columns.map(() => COUNT_OBSERVATION), MEASUREMENT],
      cells,
      constraints,
      domain: 'population',
      primarySource: frauen?.datenquelle ?? 'LH München, Kreisverwaltungsreferat',
      definitions: frauen ? { insgesamt: frauen } : {},
      indicator: { theme: 'Bevölkerung', name: 'Frauen' },
      values: values.sort((a, b) => a.year - b.year),
    }),
  )
}

async function indicatorStreams(
  names: Map<number, string>,
  definitions: Map<string, Definition>,
): Promise<StatisticalStream[]> {
  const rows = (await csv('indikatoren_geschlecht_stadtbezirke.csv')).filter((r) => r.indikator !== 'Frauen')
  const indicators = [...new Set(rows.map((r) => r.indikator!))]
  return indicators.flatMap((indikator) => {
    const mine = rows.filter((r) => r.indikator === indikator)
    const theme = mine[0]!.thema!
    const characteristics = [...new Set(mine.map((r) => r.auspraegung!))].sort()
    const baseNames = [
      ...new Set(mine.flatMap((r) => [r.name_basiswert_1!, r.name_basiswert_2!]).filter(Boolean)),
    ]
    const at = (name: string) => characteristics.length + baseNames.indexOf(name)
    const first = (a: string) => mine.find((r) => r.auspraegung === a)!
    const mean = indikator.startsWith('Durchschnittsalter')
    const cells: Cell[] = [
      ...characteristics.map((a) =>
        cellOf(first(a).name_basiswert_1!, 'ratio', {
          name: valueName(indikator, a),
          of: [at(first(a).name_basiswert_1!), at(first(a).name_basiswert_2!)],
        }),
      ),
      ...baseNames.map((n) => {
        const owner = mine.find((r) => r.name_basiswert_1 === n)
        return n.startsWith('Summe') && owner
          ? cellOf(n, 'amount', { per: at(owner.name_basiswert_2!) })
          : cellOf(n, 'count')
      }),
    ]
    const table = new Map<string, (number | null)[]>()
    for (const r of mine) {
      const id = `${r.sb_nummer}|${r.jahr}`
      const result = table.get(id) ?? cells.map(() => null)
      result[characteristics.indexOf(r.auspraegung!)] = num(r.indikatorwert)
      result[at(r.name_basiswert_1!)] = num(r.basiswert_1)
      result[at(r.name_basiswert_2!)] = num(r.basiswert_2)
      table.set(id, result)
    }
    const constraints = constraintsOf(cells, [...table.values()])
    const defs = Object.fromEntries(
      characteristics.flatMap((a) => {
        const d = definitions.get(`${indikator}|${a}`)
        return d ? [[a, d]] : []
      }),
    ) as Record<string, Definition>
    const def = Object.values(defs)[0]
    const observedProperties = [
      ...characteristics.map((a) =>
        observedProperty(
          `${OWN}:indikatorenatlas:${slug(indikator)}:${slug(a)}`,
          valueName(indikator, a),
          defs[a]?.beschreibung ?? valueName(indikator, a),
        ),
      ),
      ...baseNames.map((n) =>
        observedProperty(
          `${OWN}:indikatorenatlas:${slug(indikator)}:basis:${slug(n)}`,
          n,
          `Basiswert of ${indikator}: ${n}`,
        ),
      ),
    ]
    const valueUnit = mean ? YEAR : PERCENT
    const areas = [...new Set(mine.map((r) => Number(r.sb_nummer)))].sort((a, b) => a - b)
    return areas.map((sb) =>
      stream({
        key: `munich:indicator:${slug(indikator)}:${areaKey(sb)}`,
        areaKey: areaKey(sb),
        name: `${indikator} – ${names.get(sb) ?? sb}`,
        description: characteristics.map((a) => `${a}: ${defs[a]?.beschreibung ?? indikator}`).join(' '),
        sensor: {
          name: `Indikatorenatlas München – ${indikator}`,
          description: def?.beschreibung ?? indikator,
          encodingType: 'text/plain',
          metadata: definitionText(def),
        },
        observedProperties,
        units: cells.map((c) => (c.measure === 'ratio' ? valueUnit : c.measure === 'amount' ? YEAR : COUNT)),
        types: cells.map(() => MEASUREMENT),
        cells,
        constraints,
        domain: DOMAIN[theme] ?? slug(theme),
        primarySource: def?.datenquelle ?? PUBLISHER,
        definitions: defs,
        indicator: { theme, name: indikator },
        values: [...table.entries()]
          .filter(([id]) => id.startsWith(`${sb}|`))
          .map(([id, result]) => ({ year: Number(id.split('|')[1]), result }))
          .sort((a, b) => a.year - b.year),
      }),
    )
  })
}

const FILES = [
  'stadtbezirke.geojson',
  'bevoelkerung_geschlecht_stadtbezirke.csv',
  'indikatoren_geschlecht_stadtbezirke.csv',
  'indikatoren_definitionen.csv',
]

/**
 * What the shipped files hold, as a SHA-256 over their bytes (and this importer's own version): an
 * import is repeated on start only when it changed.
 */
export async function munichStatisticsVersion(): Promise<string> {
  const hash = createHash('sha256').update('importer 1\n')
  for (const f of FILES) hash.update(await readFile(shipped(f)))
  return hash.digest('hex')
}

/** Reads the shipped files into the dataset the importer publishes. */
export async function munichStatistics(): Promise<StatisticalDataset> {
  const definitions = new Map(
    (await csv('indikatoren_definitionen.csv')).map((d) => [
      `${d.indikator}|${d.auspraegung}`,
      d as unknown as Definition,
    ]),
  )
  const { areas, names } = await areasOf()
  const streams = [
    ...(await populationStreams(names, definitions)),
    ...(await indicatorStreams(names, definitions)),
  ]
  return {
    id: MUNICH_STATISTICS_ID,
    areas,
    streams,
    publishedAt: PUBLISHED_AT,
    referenceDay: (year) => `${year}-12-31T00:00:00.000Z`,
  }
}
