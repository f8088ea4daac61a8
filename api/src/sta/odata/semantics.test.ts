import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UnsupportedQueryError, evaluate, matches, readJsonPath, sortBy } from '@urbantwin/store'
import { parseQuery } from './parse.ts'

/** $filter and $orderby semantics (store's in-memory evaluator), written as the URLs clients send. */

type Entity = { id: number } & Record<string, unknown>
const NOW = Date.parse('2026-11-23T12:00:00Z')
const parse = (query: string) => parseQuery(new URLSearchParams(query))
const pick = (entities: Entity[], filter: string) =>
  entities
    .filter((e) =>
      matches(parse(`$filter=${encodeURIComponent(filter)}`).filter!, e, readJsonPath, { now: () => NOW }),
    )
    .map((e) => e.id)
const value = (filter: string, entity: Entity = { id: 0 }) =>
  evaluate(parse(`$filter=${encodeURIComponent(filter)}`).filter!, entity, readJsonPath, { now: () => NOW })

const observations: Entity[] = [
  { id: 1, result: 12.5, phenomenonTime: '2026-11-23T08:00:00Z', resultTime: '2026-11-23T08:00:05Z' },
  { id: 2, result: 80, phenomenonTime: '2026-11-23T09:00:00Z/2026-11-23T10:00:00Z', resultTime: null },
  { id: 3, result: 'ok', phenomenonTime: '2026-11-22T23:59:59.500Z', resultTime: '2026-11-23T00:00:00Z' },
  { id: 4, result: null, phenomenonTime: '2026-11-23T11:00:00+01:00', parameters: { battery: 0.2 } },
]
const things: Entity[] = [
  {
    id: 1,
    name: 'Container Marienplatz',
    description: "it's full",
    properties: { owner: 'AWM', capacity: 3 },
  },
  {
    id: 2,
    name: 'container Sendlinger Tor',
    description: 'empty',
    properties: { owner: 'Caritas', capacity: 2.5 },
  },
  { id: 3, name: 'WLAN Stachus', description: '', properties: { owner: 'AWM' } },
]
const locations: Entity[] = [
  { id: 1, location: { type: 'Point', coordinates: [11.5755, 48.1374] } }, // Marienplatz
  { id: 2, location: { type: 'Point', coordinates: [11.5664, 48.1338] } }, // Sendlinger Tor
  { id: 3, location: { type: 'Feature', geometry: { type: 'Point', coordinates: [11.6, 48.2] } } },
  {
    id: 4,
    location: {
      type: 'Polygon',
      coordinates: [
        [
          [11.56, 48.13],
          [11.58, 48.13],
          [11.58, 48.14],
          [11.56, 48.14],
          [11.56, 48.13],
        ],
      ],
    },
  },
]
const OLD_TOWN = "geography'POLYGON((11.57 48.13, 11.58 48.13, 11.58 48.14, 11.57 48.14, 11.57 48.13))'"

describe('$filter semantics', () => {
  it('compares numbers, strings, nulls and times, intervals by their ends', () => {
    expect(pick(observations, 'result gt 20')).toEqual([2])
    expect(pick(observations, "result eq 'ok'")).toEqual([3])
    expect(pick(observations, 'result eq null')).toEqual([4])
    expect(pick(observations, 'result ne null')).toEqual([1, 2, 3])
    expect(pick(observations, 'resultTime eq null')).toEqual([2, 4]) // 4 has none at all
    // an interval is after an instant by its start, before it by its end
    expect(pick(observations, 'phenomenonTime gt 2026-11-23T09:30:00Z')).toEqual([4]) // 11:00+01:00
    expect(pick(observations, 'phenomenonTime ge 2026-11-23T09:00:00Z')).toEqual([2, 4])
    expect(pick(observations, 'phenomenonTime lt 2026-11-23T10:00:00Z')).toEqual([1, 3])
    expect(pick(observations, 'phenomenonTime le 2026-11-23T10:00:00Z')).toEqual([1, 2, 3, 4])
    expect(pick(observations, 'phenomenonTime eq 2026-11-23T10:00:00Z')).toEqual([4])
    expect(pick(observations, 'parameters/battery lt 0.25')).toEqual([4])
  })

  it('uses three-valued logic: null and false is false, null or true is true', () => {
    expect(pick(observations, 'result gt 20 or result eq null')).toEqual([2, 4])
    expect(pick(observations, 'not (result gt 20)')).toEqual([1]) // 'ok' and null are not comparable
    expect(value('null eq 1 and (1 gt null)')).toBe(false)
    expect(value('(1 gt null) or true')).toBe(true)
    expect(value('(1 gt null) and true')).toBeNull()
    expect(value('not (1 gt null)')).toBeNull()
  })

  it('does arithmetic on numbers and on times with durations', () => {
    expect(pick(observations, 'result mul 2 add 1 eq 26')).toEqual([1])
    expect(pick(observations, 'result div 0 eq 0 or result mod 3 eq 2')).toEqual([2])
    expect(pick(observations, "resultTime sub phenomenonTime le duration'PT5S'")).toEqual([1, 3])
    expect(pick(observations, "phenomenonTime gt now() sub duration'PT3H30M'")).toEqual([2, 4])
    expect(value("2026-11-23T00:00:00Z add duration'P1DT1H' eq 2026-11-24T01:00:00Z")).toBe(true)
    expect(value("'a' add 1")).toBeNull()
  })

  it('has the string, date and math functions of OGC 18-088', () => {
    expect(pick(things, "substringof('container', tolower(name))")).toEqual([1, 2])
    expect(pick(things, "contains(name, 'Tor') or startswith(name, 'WLAN')")).toEqual([2, 3])
    expect(pick(things, "endswith(description, 'full') and length(description) eq 9")).toEqual([1])
    expect(pick(things, "indexof(name, 'Sendlinger') eq 10")).toEqual([2])
    expect(pick(things, "substring(name, 0, 4) eq 'WLAN' and substring(name, 5) eq 'Stachus'")).toEqual([3])
    expect(pick(things, "concat(toupper(properties/owner), '!') eq 'AWM!' and trim(' x ') eq 'x'")).toEqual([
      1, 3,
    ])
    expect(pick(things, 'round(properties/capacity) eq 3 and floor(2.7) eq 2 and ceiling(2.1) eq 3')).toEqual(
      [1, 2],
    )
    expect(value('round(-2.5)')).toBe(-3) // away from zero, as SQL's round
    expect(
      pick(
        observations,
        'year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 11 and day(phenomenonTime) eq 22',
      ),
    ).toEqual([3])
    expect(
      pick(
        observations,
        'hour(phenomenonTime) eq 9 and minute(phenomenonTime) eq 0 and second(phenomenonTime) eq 0',
      ),
    ).toEqual([2])
    expect(pick(observations, 'fractionalseconds(phenomenonTime) eq 0.5')).toEqual([3])
    expect(
      pick(observations, 'date(phenomenonTime) eq 2026-11-23 and time(phenomenonTime) lt 09:30'),
    ).toEqual([1, 2])
    expect(pick(observations, 'phenomenonTime lt maxdatetime() and phenomenonTime gt mindatetime()')).toEqual(
      [1, 2, 3, 4],
    )
    expect(value('maxdatetime() eq 9999-12-31T23:59:59.999Z and mindatetime() eq 0001-01-01T00:00:00Z')).toBe(
      true,
    )
    expect(value('totaloffsetminutes(2026-11-23T11:00:00+01:00)')).toBe(0)
  })

  it('relates geometries: distance in degrees, DE-9IM predicates', () => {
    expect(pick(locations, "geo.distance(location, geography'POINT(11.5755 48.1374)') lt 0.01")).toEqual([
      1, 2, 4,
    ])
    expect(value("geo.distance(geography'POINT(0 0)', geography'POINT(3 4)')")).toBe(5)
    expect(value("geo.distance(geography'POINT(0 5)', geography'LINESTRING(-1 0, 1 0)')")).toBe(5)
    expect(value("geo.length(geography'LINESTRING(0 0, 3 4, 3 5)')")).toBe(6)
    expect(pick(locations, `st_within(location, ${OLD_TOWN})`)).toEqual([1])
    expect(pick(locations, `geo.intersects(location, ${OLD_TOWN})`)).toEqual([1, 4])
    expect(pick(locations, `st_intersects(location, ${OLD_TOWN})`)).toEqual([1, 4])
    expect(pick(locations, `st_disjoint(location, ${OLD_TOWN})`)).toEqual([2, 3])
    expect(pick(locations, `st_contains(location, geography'POINT(11.5755 48.1374)')`)).toEqual([1, 4])
    expect(pick(locations, `st_overlaps(location, ${OLD_TOWN})`)).toEqual([4])
    expect(pick(locations, "st_equals(location, geography'POINT(11.6 48.2)')")).toEqual([3])
    expect(pick(locations, `st_touches(location, geography'POINT(11.56 48.135)')`)).toEqual([4])
    expect(pick(locations, `st_crosses(geography'LINESTRING(11.5 48.135, 11.6 48.135)', location)`)).toEqual([
      4,
    ])
    expect(() => value("st_relate(geography'POINT(1 1)', geography'POINT(1 1)', 'T********')")).toThrow(
      UnsupportedQueryError,
    )
  })
})

describe('$orderby semantics', () => {
  it('sorts by several keys, times as times, nulls last in both directions, stably', () => {
    const sorted = (orderby: string, entities: Entity[]) =>
      sortBy(entities, parse(`$orderby=${encodeURIComponent(orderby)}`).orderBy!, readJsonPath).map(
        (e) => e.id,
      )
    expect(sorted('phenomenonTime', observations)).toEqual([3, 1, 2, 4])
    expect(sorted('phenomenonTime desc', observations)).toEqual([4, 2, 1, 3])
    expect(sorted('resultTime desc', observations)).toEqual([1, 3, 2, 4])
    expect(sorted('properties/owner, name desc', things)).toEqual([3, 1, 2])
    expect(sorted('properties/capacity mul -1', things)).toEqual([1, 2, 3])
  })
})

describe('evaluator under random data (fast-check)', () => {
  it('never throws on JSON entities for filters over their properties, 5,000 cases', () => {
    const filters = [
      'a gt 1 and b eq null',
      "substringof('x', a) or length(b) gt 2",
      "a add b sub 1 le 3 or a eq 'x'",
      "year(a) eq 2026 or a ge 2026-01-01T00:00:00Z or a sub b gt duration'PT1M'",
      "geo.distance(a, geography'POINT(1 2)') lt 1 or st_within(a, b)",
      'round(a) eq floor(b) and not (ceiling(a) ne 1)',
      "concat(a, b) eq 'xy' or substring(a, 1) eq substring(b, 0, 2)",
    ].map((f) => parse(`$filter=${encodeURIComponent(f)}`).filter!)
    const json = fc.jsonValue({ maxDepth: 2 })
    fc.assert(
      fc.property(fc.record({ a: json, b: json }), fc.constantFrom(...filters), (entity, f) => {
        try {
          const v = evaluate(f, entity, readJsonPath)
          expect(v === null || ['boolean', 'number', 'string', 'object'].includes(typeof v)).toBe(true)
        } catch (err) {
          if (!(err instanceof UnsupportedQueryError)) throw err
        }
      }),
      { numRuns: 5000 },
    )
  }, 60_000)
})
