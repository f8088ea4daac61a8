import { Router, type Request } from 'express'
import { stringify } from 'csv-stringify/sync'
import { z } from 'zod'
import { derivationOf, disaggregationOf, type PageRequest } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

/** One published (Multi)Datastream as the gender data gap report lists it. */
export const GapStream = z.object({
  type: z.enum(['Datastream', 'MultiDatastream']),
  id: z.number().int(),
  name: z.string(),
  thingId: z.number().int(),
  domain: z.string().describe('population, labour, wlan, waste, …; `other` when nothing says'),
  byGender: z.boolean().describe('Whether its numbers are broken down by gender (properties.disaggregation)'),
  genderCategories: z.array(z.string()).describe('The gender categories the source distinguishes'),
  dimensions: z.array(z.string()),
  source: z.string().nullable().describe("Who publishes the numbers; a device stream's Sensor"),
  provenance: z.string().nullable().describe('official-statistic, survey, model, sensor, derived'),
  area: z.string().describe("What one Observation covers: a statistical area's level, or `site` (a device)"),
  since: z.string().nullable().describe('phenomenonTime of its first Observation; null: none yet'),
  until: z.string().nullable().describe('phenomenonTime of its latest Observation'),
})
export type GapStream = z.infer<typeof GapStream>

const Share = z.object({
  total: z.number().int().min(0),
  byGender: z.number().int().min(0),
  share: z.number().min(0).max(1).nullable().describe('byGender / total; null when there is none'),
})
export const GenderDataGapReport = z.object({
  generatedAt: z.string(),
  ...Share.shape,
  byDomain: z.array(z.object({ domain: z.string(), ...Share.shape })),
  byProvenance: z
    .array(z.object({ provenance: z.string(), ...Share.shape }))
    .describe(
      'The same per provenance: `derived` are computed by the platform (share of women, gender gaps, residents per device); `unknown` says nothing',
    ),
  streams: z.array(GapStream),
})
export type GenderDataGapReport = z.infer<typeof GenderDataGapReport>

export type GenderDataGapDeps = {
  store: Store
  /** The domain of a device kind's streams (e.g. `waste` for used-clothing containers). */
  kindDomain?: (kind: string) => string | undefined
  /** How long a computed report is served before it is computed again (default 30 s). */
  ttlMs?: number
  now?: () => Date
}

const ALL: PageRequest = { top: Number.MAX_SAFE_INTEGER, skip: 0, count: false }
const share = (total: number, byGender: number) => ({
  total,
  byGender,
  share: total === 0 ? null : Math.round((byGender / total) * 10_000) / 10_000,
})

/**
 * Every published Datastream and MultiDatastream: disaggregated by gender or not, by which source,
 * since when, covering what; and the share that is, overall and per domain. Computed from the
 * registry on request (at most every `ttlMs`), so it follows every stream added or removed.
 */
export async function genderDataGap(deps: GenderDataGapDeps): Promise<GenderDataGapReport> {
  const { store } = deps
  const [things, datastreams, multis, sensors] = await Promise.all([
    store.things(ALL),
    store.datastreams(ALL),
    store.multiDatastreams(ALL),
    store.sensors(ALL),
  ])
  const thingOf = new Map(things.items.map((t) => [t.id, t]))
  const sensorName = new Map(sensors.items.map((s) => [s.id, s.name]))
  const streams = [
    ...datastreams.items.map((d) => ({ type: 'Datastream' as const, ...d })),
    ...multis.items.map((m) => ({ type: 'MultiDatastream' as const, ...m })),
  ]
  const ids = streams.map((s) => s.id)
  const latest = await store.latestObservations(ids)
  const first = await store.firstObservationTimes(ids)
  const rows: GapStream[] = streams.map((s) => {
    const thing = thingOf.get(s.thingId)
    const d = disaggregationOf(s.properties)
    const derivation = derivationOf(s.properties)
    const kind = thing?.kind ?? null
    const area = (thing?.properties?.statisticalArea as { level?: unknown } | undefined)?.level
    const until = latest.get(s.id)?.observation.phenomenonTime ?? null
    return {
      type: s.type,
      id: s.id,
      name: s.name,
      thingId: s.thingId,
      domain: d?.domain ?? derivation?.domain ?? (kind ? deps.kindDomain?.(kind) : undefined) ?? 'other',
      byGender: d?.byGender ?? false,
      genderCategories: d?.byGender ? (d.genderCategories ?? []) : [],
      dimensions: d?.dimensions ?? [],
      source: d?.source ?? derivation?.source ?? sensorName.get(s.sensorId) ?? null,
      provenance: d?.provenance ?? (derivation ? 'derived' : kind ? 'sensor' : null),
      area: typeof area === 'string' ? area : 'site',
      since: first.get(s.id) ?? null,
      until: until === null ? null : until.split('/').at(-1)!,
    }
  })
  rows.sort((a, b) => a.domain.localeCompare(b.domain) || a.type.localeCompare(b.type) || a.id - b.id)
  const domains = [...new Set(rows.map((r) => r.domain))].sort()
  const provenanceOf = (r: GapStream) => r.provenance ?? 'unknown'
  const provenances = [...new Set(rows.map(provenanceOf))].sort()
  const count = (rs: GapStream[]) => share(rs.length, rs.filter((r) => r.byGender).length)
  return {
    generatedAt: (deps.now?.() ?? new Date()).toISOString(),
    ...count(rows),
    byDomain: domains.map((domain) => ({ domain, ...count(rows.filter((r) => r.domain === domain)) })),
    byProvenance: provenances.map((provenance) => ({
      provenance,
      ...count(rows.filter((r) => provenanceOf(r) === provenance)),
    })),
    streams: rows,
  }
}

const CSV_COLUMNS = Object.keys(GapStream.shape) as (keyof GapStream)[]

/** `GET /api/gender-data-gap` (JSON) and `/api/gender-data-gap.csv` (one row per stream). */
export function genderDataGapRouter(deps: GenderDataGapDeps): Router {
  const router = Router()
  const ttl = deps.ttlMs ?? 30_000
  let cached: { at: number; report: Promise<GenderDataGapReport> } | null = null
  const report = () => {
    const now = Date.now()
    if (!cached || now - cached.at >= ttl) {
      const next = { at: now, report: genderDataGap(deps) }
      next.report.catch(() => {
        if (cached === next) cached = null // a failure is not kept
      })
      cached = next
    }
    return cached.report
  }
  const wantsCsv = (req: Request) => req.path.endsWith('.csv')
  router.get(['/gender-data-gap', '/gender-data-gap.csv'], async (req, res) => {
    const r = await report()
    res.set('Cache-Control', `public, max-age=${Math.floor(ttl / 1000)}`)
    if (!wantsCsv(req)) {
      res.json(r)
      return
    }
    const body = stringify(
      r.streams.map((s) =>
        CSV_COLUMNS.map((c) => {
          const v = s[c]
          return Array.isArray(v) ? v.join(' ') : v
        }),
      ),
      { header: true, columns: CSV_COLUMNS, cast: { boolean: (b) => String(b) } },
    )
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', 'inline; filename="gender-data-gap.csv"')
      .send(body)
  })
  return router
}
