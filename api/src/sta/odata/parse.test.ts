import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ARITHMETIC_OPERATORS,
  COMPARISON_OPERATORS,
  FUNCTIONS,
  LOGICAL_OPERATORS,
  type Expr,
  type Literal,
} from '@urbantwin/model'
import { QUERY_OPTIONS, QueryError, parseQuery, type QueryLimits } from './parse.ts'

const q = (query: string, limits?: QueryLimits) => parseQuery(new URLSearchParams(query), limits)
const filter = (text: string) => q(`$filter=${encodeURIComponent(text)}`).filter
const prop = (...path: string[]): Expr => ({ kind: 'property', path })
const lit = (type: Literal['type'], value: unknown) => ({ kind: 'literal', type, value }) as Literal
const num = (value: number) => lit('number', value)
const str = (value: string) => lit('string', value)

function refusal(query: string): string {
  try {
    q(query)
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError)
    return (err as Error).message
  }
  throw new Error(`accepted: ${query}`)
}

describe('SensorThings query options: the examples of OGC 18-088 9.3', () => {
  it('parses comparisons, logical operators and their precedence', () => {
    expect(filter('result lt 10.00')).toEqual({
      kind: 'binary',
      op: 'lt',
      left: prop('result'),
      right: num(10),
    })
    // and binds tighter than or; not, as in OData, binds tighter than any binary operator
    expect(filter("name eq 'a' or not (result gt 5) and not endswith(name, 'x')")).toEqual({
      kind: 'binary',
      op: 'or',
      left: { kind: 'binary', op: 'eq', left: prop('name'), right: str('a') },
      right: {
        kind: 'binary',
        op: 'and',
        left: { kind: 'not', operand: { kind: 'binary', op: 'gt', left: prop('result'), right: num(5) } },
        right: { kind: 'not', operand: { kind: 'call', name: 'endswith', args: [prop('name'), str('x')] } },
      },
    })
    expect(filter('not active eq true')).toEqual({
      kind: 'binary',
      op: 'eq',
      left: { kind: 'not', operand: prop('active') },
      right: lit('boolean', true),
    })
    expect(filter('(result add 5) mul 2 sub -3 ge result div 2 mod 7')).toEqual({
      kind: 'binary',
      op: 'ge',
      left: {
        kind: 'binary',
        op: 'sub',
        left: {
          kind: 'binary',
          op: 'mul',
          left: { kind: 'binary', op: 'add', left: prop('result'), right: num(5) },
          right: num(2),
        },
        right: num(-3),
      },
      right: {
        kind: 'binary',
        op: 'mod',
        left: { kind: 'binary', op: 'div', left: prop('result'), right: num(2) },
        right: num(7),
      },
    })
  })

  it('reads navigation paths, properties of JSON objects and every literal type', () => {
    expect(filter("Thing/properties/owner eq 'AWM'")).toMatchObject({
      left: prop('Thing', 'properties', 'owner'),
    })
    expect(filter("description eq 'it''s'")).toMatchObject({ right: str("it's") })
    expect(filter('phenomenonTime gt 2026-11-23T08:00:00+01:00')).toMatchObject({
      right: lit('datetime', '2026-11-23T07:00:00.000Z'),
    })
    expect(filter('date(resultTime) eq 2026-11-23')).toMatchObject({ right: lit('date', '2026-11-23') })
    expect(filter('time(resultTime) lt 12:30:00')).toMatchObject({ right: lit('time', '12:30:00') })
    expect(filter('result eq null or result eq true')).toMatchObject({
      left: { right: lit('null', null) },
      right: { right: lit('boolean', true) },
    })
    expect(filter("phenomenonTime sub resultTime lt duration'PT1H30M'")).toMatchObject({
      right: lit('duration', 'PT1H30M'),
    })
    expect(filter('result eq 1.5e3')).toMatchObject({ right: num(1500) })
  })

  it('turns WKT in geography literals into GeoJSON', () => {
    expect(filter("geo.distance(location, geography'POINT(11.5755 48.1374)') lt 0.01")).toEqual({
      kind: 'binary',
      op: 'lt',
      left: {
        kind: 'call',
        name: 'geo.distance',
        args: [prop('location'), lit('geometry', { type: 'Point', coordinates: [11.5755, 48.1374] })],
      },
      right: num(0.01),
    })
    expect(
      filter(
        "st_within(location, geography'SRID=4326;POLYGON ((11.5 48.1, 11.6 48.1, 11.6 48.2, 11.5 48.1))')",
      ),
    ).toMatchObject({
      args: [
        prop('location'),
        {
          value: {
            type: 'Polygon',
            coordinates: [
              [
                [11.5, 48.1],
                [11.6, 48.1],
                [11.6, 48.2],
                [11.5, 48.1],
              ],
            ],
          },
        },
      ],
    })
    expect(filter("geo.intersects(location, geometry'LINESTRING(1 2, 3 4)')")).toMatchObject({
      args: [
        prop('location'),
        {
          value: {
            type: 'LineString',
            coordinates: [
              [1, 2],
              [3, 4],
            ],
          },
        },
      ],
    })
    expect(filter("st_intersects(location, geography'MULTIPOINT((1 2), (3 4))')")).toMatchObject({
      args: [
        prop('location'),
        {
          value: {
            type: 'MultiPoint',
            coordinates: [
              [1, 2],
              [3, 4],
            ],
          },
        },
      ],
    })
  })

  it('knows the built-in functions and how many arguments each takes', () => {
    expect(filter("substringof('Sensor', name)")).toMatchObject({ kind: 'call', name: 'substringof' })
    expect(filter("toupper(trim(name)) eq 'X' and year(phenomenonTime) eq 2026")).toMatchObject({
      left: { left: { name: 'toupper', args: [{ name: 'trim' }] } },
    })
    expect(filter('round(result) eq 2 and phenomenonTime lt now()')).toMatchObject({
      right: { right: { kind: 'call', name: 'now', args: [] } },
    })
    expect(filter("substring(name, 1, 2) eq 'ab'")).toMatchObject({ left: { args: [{}, num(1), num(2)] } })
    expect(refusal('$filter=frobnicate(name)')).toMatch(/unsupported function frobnicate\(\)/)
    expect(refusal("$filter=substring(name)  eq 'a'")).toMatch(/substring\(\) takes 2 or 3 arguments, not 1/)
    expect(refusal('$filter=now(1) gt 2')).toMatch(/now\(\) takes 0 arguments, not 1/)
    expect(Object.keys(FUNCTIONS)).toContain('st_relate')
  })

  it('parses $orderby, $select and nested $expand with their own options', () => {
    const r = q(
      '$expand=Locations,Datastreams($select=id,name;$expand=Observations($top=1;$orderby=phenomenonTime desc;$filter=result gt 3))&$select=@iot.id,name&$orderby=name,id desc&$top=5&$skip=10&$count=true',
    )
    expect(r).toEqual({
      select: [['id'], ['name']],
      orderBy: [
        { expr: prop('name'), direction: 'asc' },
        { expr: prop('id'), direction: 'desc' },
      ],
      top: 5,
      skip: 10,
      count: true,
      expand: [
        { path: ['Locations'], query: {} },
        {
          path: ['Datastreams'],
          query: {
            select: [['id'], ['name']],
            expand: [
              {
                path: ['Observations'],
                query: {
                  top: 1,
                  orderBy: [{ expr: prop('phenomenonTime'), direction: 'desc' }],
                  filter: { kind: 'binary', op: 'gt', left: prop('result'), right: num(3) },
                },
              },
            ],
          },
        },
      ],
    })
    // string literals may hold what delimits options
    expect(q("$expand=Things($filter=name eq 'a;b)c')").expand![0]!.query.filter).toMatchObject({
      right: str('a;b)c'),
    })
    expect(q('$expand=Datastreams/Observations').expand).toEqual([
      { path: ['Datastreams', 'Observations'], query: {} },
    ])
  })

  it('applies the defaults and limits for paging and nesting', () => {
    expect(q('')).toEqual({ top: 100, skip: 0, count: false })
    expect(q('$top=5000').top).toBe(1000) // reduced to maxTop; the nextLink pages on
    expect(q('$top=50', { defaultTop: 10, maxTop: 20, maxExpandDepth: 1 }).top).toBe(20)
    expect(q('$resultFormat=dataArray').resultFormat).toBe('dataArray')
    const limits = { defaultTop: 100, maxTop: 1000, maxExpandDepth: 2 }
    expect(() => q('$expand=Datastreams($expand=Observations)', limits)).not.toThrow()
    expect(() => q('$expand=Datastreams($expand=Observations($expand=FeatureOfInterest))', limits)).toThrow(
      /nested deeper than 2 levels/,
    )
    expect(() => q('$expand=Datastreams/Observations/FeatureOfInterest', limits)).toThrow(/deeper than 2/)
  })

  it('says what is wrong with what it refuses', () => {
    expect(refusal('$filter=name eq')).toMatch(/^\$filter: .*at character 8/)
    expect(refusal('$top=-1')).toMatch(/\$top: '-1' is not a non-negative integer/)
    expect(refusal('$count=yes')).toMatch(/neither true nor false/)
    expect(refusal('$Filter=name eq 1')).toMatch(/unknown query option; did you mean \$filter\?/)
    expect(refusal('$search=foo')).toMatch(/\$search: unknown query option/)
    expect(refusal('$top=1&$top=2')).toMatch(/\$top: given more than once/)
    expect(refusal('$expand=Datastreams($top=1;$top=2)')).toMatch(/given more than once/)
    expect(refusal('$filter=Datastreams/any(d:d/name eq 1)')).toMatch(/lambda operators/)
    expect(refusal("$filter=name in ('a','b')")).toMatch(/'in' operator is not part of SensorThings/)
    expect(refusal('$resultFormat=xml')).toMatch(/not one of dataArray, CSV, GeoJSON/)
    expect(refusal(`$filter=${'('.repeat(100)}1${')'.repeat(100)}`)).toMatch(/nested deeper than 64/)
    expect(refusal(`$filter=${'a eq 1 or '.repeat(1000)}b eq 2`)).toMatch(/longer than 8192/)
    expect(refusal('$filter=phenomenonTime gt 2026-13-45T99:00:00Z')).toMatch(/not a valid date and time/)
    // parameters without $ are OData custom options: not ours to judge
    expect(q('foo=bar')).toEqual({ top: 100, skip: 0, count: false })
  })
})

/** Renders an expression as $filter text, fully parenthesised, for the round-trip property. */
function render(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      switch (e.type) {
        case 'string':
          return `'${e.value.replaceAll("'", "''")}'`
        case 'number':
          return String(e.value)
        case 'datetime':
          return e.value
        case 'duration':
          return `duration'${e.value}'`
        case 'geometry':
          return e.value.type === 'Point' ? `geography'POINT(${e.value.coordinates.join(' ')})'` : 'null'
        default:
          return String(e.value)
      }
    case 'property':
      return e.path.join('/')
    case 'call':
      return `${e.name}(${e.args.map(render).join(', ')})`
    case 'binary':
      return `(${render(e.left)} ${e.op} ${render(e.right)})`
    case 'not':
      return `not (${render(e.operand)})`
    case 'negate':
      return `-(${render(e.operand)})`
  }
}

const OPERATORS = [...COMPARISON_OPERATORS, ...LOGICAL_OPERATORS, ...ARITHMETIC_OPERATORS]
const KEYWORDS = new Set<string>([...OPERATORS, 'not'])
const ident = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/)
  .filter(
    (s) =>
      !KEYWORDS.has(s.toLowerCase()) &&
      !['true', 'false', 'null', 'duration', 'geography', 'geometry'].includes(s.toLowerCase()),
  )
const literal: fc.Arbitrary<Expr> = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => str(s)),
  fc.integer({ min: 0, max: 1e9 }).map(num),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => num(n + 0)), // + 0: no -0
  fc.boolean().map((b) => lit('boolean', b)),
  fc.constant(lit('null', null)),
  fc
    .date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2999-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => lit('datetime', d.toISOString())),
  fc.constantFrom('PT1H', 'P1D', 'P2DT3H4M5S', 'PT0.5S').map((d) => lit('duration', d)),
  fc
    .tuple(fc.integer({ min: -180, max: 180 }), fc.integer({ min: -90, max: 90 }))
    .map(([x, y]) => lit('geometry', { type: 'Point', coordinates: [x, y] })),
)
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    fc.array(ident, { minLength: 1, maxLength: 3 }).map((path) => prop(...path)),
    fc
      .tuple(fc.constantFrom(...OPERATORS), tie('expr'), tie('expr'))
      .map(([op, left, right]) => ({ kind: 'binary', op, left, right }) as Expr),
    tie('expr').map((operand) => ({ kind: 'not', operand }) as Expr),
    fc
      .constantFrom(...(Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, readonly number[]][]))
      .chain(([name, arities]) =>
        fc
          .constantFrom(...arities)
          .chain((n) => fc.array(tie('expr'), { minLength: n, maxLength: n }))
          .map((args) => ({ kind: 'call', name, args }) as Expr),
      ),
  ),
}))

describe('query option parser under random input (fast-check)', () => {
  it('reads back every expression it can be given (render → parse), 3,000 cases', () => {
    fc.assert(
      fc.property(expr, (e) => {
        // negative numbers are literals, not negations, so only non-negative ones are generated
        expect(filter(render(e))).toEqual(e)
      }),
      { numRuns: 3000 },
    )
  }, 60_000)

  it('never throws anything but a QueryError, whatever the options hold, 12,000 cases', () => {
    const option = fc.constantFrom(...QUERY_OPTIONS)
    const fragments = fc.constantFrom(
      'name',
      ' eq ',
      ' and ',
      ' or ',
      'not ',
      '(',
      ')',
      "'",
      "''",
      ',',
      ';',
      '/',
      '$top=1',
      '$filter=',
      '$expand=',
      'Datastreams',
      '2026-11-23T08:00:00Z',
      "geography'POINT(1 2)'",
      'geo.distance(',
      'now()',
      '-',
      '1.5',
      'e9',
      ' desc',
      '@iot.id',
      "duration'P1D'",
      '\u0000',
      'ü',
      ' ',
    )
    const value = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(fragments, { maxLength: 30 }).map((parts) => parts.join('')),
      expr
        .map(render)
        .chain((text) =>
          fc.integer({ min: 0, max: text.length }).map((cut) => text.slice(0, cut) + text.slice(cut + 1)),
        ),
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(option, value), { maxLength: 3 }), (pairs) => {
        const params = new URLSearchParams()
        for (const [k, v] of pairs) params.append(k, v)
        try {
          parseQuery(params)
        } catch (err) {
          if (!(err instanceof QueryError)) throw err
        }
      }),
      { numRuns: 12_000 },
    )
  }, 120_000) // ~1 s alone, far more when the whole suite runs in parallel
})
