import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type NewObservation } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { aggregateWindow, DEFAULT_BUCKETS } from '../src/sta/aggregate.ts'
import { parseQuery } from '../src/sta/odata/parse.ts'
import { staticKeys } from './static-keys.ts'
import { serve, type Served } from './serve.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 20, 0, 0)
const iso = (ms: number) => new Date(ms).toISOString()
const reading = (datastreamId: number, ms: number, result: NewObservation['result']): NewObservation => ({
  datastreamId,
  phenomenonTime: iso(ms),
  resultTime: iso(ms),
  result,
})

type Entry = { phenomenonTime: string; result: number; parameters: { aggregate: string; interval: string } }

/** The same aggregation by hand: epoch-aligned buckets of the numeric results in [from, to). */
function expected(
  obs: readonly NewObservation[],
  fn: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
) {
  const buckets = new Map<number, number[]>()
  for (const o of obs) {
    const t = Date.parse(o.phenomenonTime)
    if (typeof o.result !== 'number' || t < fromMs || t >= toMs) continue
    const start = t - (((t % intervalMs) + intervalMs) % intervalMs)
    buckets.set(start, [...(buckets.get(start) ?? []), o.result])
  }
  const of = (v: number[]) =>
    fn === 'avg'
      ? v.reduce((a, b) => a + b, 0) / v.length
      : fn === 'min'
        ? Math.min(...v)
        : fn === 'max'
          ? Math.max(...v)
          : fn === 'sum'
            ? v.reduce((a, b) => a + b, 0)
            : v.length
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([start, v]) => ({ phenomenonTime: `${iso(start)}/${iso(start + intervalMs)}`, result: of(v) }))
}

describe('server-side aggregation ($aggregate, $interval) over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let base: string
  let fill: number
  let thingId: number
  let devices = 0
  const seeded: NewObservation[] = []

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    const d = await store.provisionDevice(sampleProvision('agg-0'))
    fill = d.datastreams.fillingLevel!
    thingId = d.thingId
    // 3 days at 10-minute steps, one text result that no aggregate may count
    for (let ms = T0; ms < T0 + 72 * HOUR; ms += 10 * 60_000)
      seeded.push(reading(fill, ms, (ms / 60_000) % 97))
    seeded.push(reading(fill, T0 + 5 * 60_000, 'sensor fault'))
    await store.appendObservations(seeded)
    api = await serve({
      store,
      maxTop: 1000,
      auth: staticKeys({}),
    })
    base = api.base
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const get = async (path: string) => {
    const res = await fetch(base + path)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const window = (fromMs: number, toMs: number) =>
    encodeURIComponent(`phenomenonTime ge ${iso(fromMs)} and phenomenonTime lt ${iso(toMs)}`)

  it('answers avg, min, max, sum and count per interval as computed by hand', async () => {
    for (const fn of ['avg', 'min', 'max', 'sum', 'count']) {
      const r = await get(
        `/v1.1/Datastreams(${fill})/Observations?$aggregate=${fn}&$interval=PT1H&$top=1000&$count=true&$filter=${window(T0, T0 + 72 * HOUR)}`,
      )
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      const value = r.body.value as Entry[]
      const want = expected(seeded, fn, HOUR, T0, T0 + 72 * HOUR)
      expect(value).toHaveLength(72)
      expect(r.body['@iot.count']).toBe(72)
      value.forEach((v, i) => {
        expect(v.phenomenonTime).toBe(want[i]!.phenomenonTime)
        expect(v.result).toBeCloseTo(want[i]!.result, 9)
        expect(v.parameters).toEqual({ aggregate: fn, interval: 'PT1H' })
      })
    }
  })

  it('pages intervals with @iot.nextLink and orders them newest first when asked', async () => {
    const path = `/v1.1/Datastreams(${fill})/Observations?$aggregate=max&$interval=P1D&$filter=${window(T0, T0 + 72 * HOUR)}`
    const all = (await get(path)).body.value as Entry[]
    expect(all.map((e) => e.phenomenonTime.slice(0, 10))).toEqual(['2026-11-20', '2026-11-21', '2026-11-22'])
    const first = await get(`${path}&$top=2`)
    expect(first.body.value).toEqual(all.slice(0, 2))
    const next = new URL(first.body['@iot.nextLink'] as string)
    expect((await get(next.pathname + next.search)).body.value).toEqual(all.slice(2))
    const desc = await get(`${path}&$orderby=${encodeURIComponent('phenomenonTime desc')}`)
    expect(desc.body.value).toEqual([...all].reverse())
  })

  it('agrees with the hand computation for random readings, intervals and windows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            minute: fc.integer({ min: -600, max: 3000 }),
            value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          }),
          {
            maxLength: 60,
          },
        ),
        fc.constantFrom('avg', 'min', 'max', 'sum', 'count'),
        fc.constantFrom('PT1M', 'PT15M', 'PT1H', 'PT7H', 'P1D'),
        fc.integer({ min: -600, max: 3000 }),
        fc.integer({ min: 1, max: 3600 }),
        async (points, fn, interval, fromMinute, spanMinutes) => {
          const d = await store.provisionDevice(sampleProvision(`agg-${++devices}`))
          const id = d.datastreams.temperature!
          const obs = points.map((p) => reading(id, T0 + p.minute * 60_000, p.value))
          // the store keeps the first of a repeated phenomenonTime; so does the hand computation
          const kept = obs.filter((o, k) => obs.findIndex((p) => p.phenomenonTime === o.phenomenonTime) === k)
          await store.appendObservations(obs)
          const from = T0 + fromMinute * 60_000
          const to = from + spanMinutes * 60_000
          const intervalMs = parseQuery(new URLSearchParams({ $aggregate: fn, $interval: interval }))
            .aggregate!.intervalMs
          const r = await get(
            `/v1.1/Datastreams(${id})/Observations?$aggregate=${fn}&$interval=${interval}&$top=1000&$filter=${window(from, to)}`,
          )
          expect(r.status, JSON.stringify(r.body)).toBe(200)
          const want = expected(kept, fn, intervalMs, from, to)
          const got = r.body.value as Entry[]
          expect(got.map((g) => g.phenomenonTime)).toEqual(want.map((w) => w.phenomenonTime))
          got.forEach((g, i) => expect(g.result).toBeCloseTo(want[i]!.result, 3))
        },
      ),
      { numRuns: 40 },
    )
  }, 180_000)

  it('refuses what an aggregation cannot take with a 400 that says why', async () => {
    const obs = `/v1.1/Datastreams(${fill})/Observations`
    const cases: [string, RegExp][] = [
      [`${obs}?$aggregate=median&$interval=PT1H`, /\$aggregate.*avg, min, max, sum, count/],
      [`${obs}?$aggregate=avg`, /needs \$interval/],
      [`${obs}?$interval=PT1H`, /goes with \$aggregate/],
      [`${obs}?$aggregate=avg&$interval=P1M`, /ISO 8601 duration/],
      [`${obs}?$aggregate=avg&$interval=PT0.1S`, /between PT1S and P366D/],
      [
        `${obs}?$aggregate=avg&$interval=PT1S&$filter=${window(T0, T0 + 72 * HOUR)}`,
        /more than 100000 intervals/,
      ],
      [
        `${obs}?$aggregate=avg&$interval=PT1H&$filter=${encodeURIComponent('result gt 3')}`,
        /only bound phenomenonTime/,
      ],
      [`${obs}?$aggregate=avg&$interval=PT1H&$select=result`, /\$select/],
      [`${obs}?$aggregate=avg&$interval=PT1H&$expand=Datastream`, /\$expand/],
      [`${obs}?$aggregate=avg&$interval=PT1H&$orderby=result`, /ordered by phenomenonTime/],
      [`/v1.1/Things?$aggregate=avg&$interval=PT1H`, /Observations of one Datastream/],
      [`/v1.1/Things(${thingId})?$aggregate=avg&$interval=PT1H`, /Observations of one Datastream/],
    ]
    for (const [path, message] of cases) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.body.code).toBe('BAD_REQUEST')
      expect(String(r.body.message), path).toMatch(message)
    }
    expect((await get(`/v1.1/Datastreams(987654)/Observations?$aggregate=avg&$interval=PT1H`)).status).toBe(
      404,
    )
  })

  it('takes the last DEFAULT_BUCKETS intervals up to now when no window is given', () => {
    const a = parseQuery(new URLSearchParams({ $aggregate: 'avg', $interval: 'PT1H' })).aggregate!
    const w = aggregateWindow(undefined, a, 10 * DEFAULT_BUCKETS * HOUR)
    expect(w.toMs - w.fromMs).toBe(DEFAULT_BUCKETS * HOUR)
    expect(w.empty).toBe(false)
  })
})
