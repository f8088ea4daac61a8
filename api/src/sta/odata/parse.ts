import { readFileSync } from 'node:fs'
import peggy from 'peggy'
import { FUNCTIONS, type EntityQuery, type ExpandItem, type Expr, type PageRequest } from '@urbantwin/model'
import { AGGREGATE_FNS, UnsupportedQueryError, durationMs, type AggregateFn } from '@urbantwin/store'

/** The grammar (query.peggy) compiled once, at import. */
const parser = peggy.generate(readFileSync(new URL('./query.peggy', import.meta.url), 'utf8'), {
  allowedStartRules: ['Filter', 'OrderBy', 'Select', 'Expand'],
})

/** A query option the server cannot accept; the API answers 400 with this message (errors.ts). */
export class QueryError extends UnsupportedQueryError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`)
  }
}

export type QueryLimits = {
  /** `$top` when the client gives none (at every `$expand` level too). */
  defaultTop: number
  /** A larger `$top` is reduced to this; `@iot.nextLink` leads on. */
  maxTop: number
  /** Levels of `$expand` inside each other: `Things?$expand=Datastreams/Observations` is 2. */
  maxExpandDepth: number
}

export const DEFAULT_LIMITS: QueryLimits = { defaultTop: 100, maxTop: 1000, maxExpandDepth: 4 }

export const RESULT_FORMATS = ['dataArray', 'CSV', 'GeoJSON'] as const
export type ResultFormat = (typeof RESULT_FORMATS)[number]

/**
 * The aggregation extension (`$aggregate=avg&$interval=PT1H`, see api/README.md): one value per
 * epoch-aligned interval of a Datastream's Observations, computed by the store.
 */
export type AggregateOption = { fn: AggregateFn; interval: string; intervalMs: number }

/** Shortest and longest `$interval`. */
export const MIN_INTERVAL_MS = 1000
export const MAX_INTERVAL_MS = 366 * 86_400_000

/** The query options of a request: those of EntityQuery, with paging resolved. */
export type RequestQuery = EntityQuery & {
  top: number
  skip: number
  count: boolean
  resultFormat?: ResultFormat
  aggregate?: AggregateOption
}

/** SensorThings' query options (9.3). */
export const QUERY_OPTIONS = [
  '$filter',
  '$orderby',
  '$select',
  '$expand',
  '$top',
  '$skip',
  '$count',
  '$resultFormat',
  // extension: server-side aggregation of a Datastream's Observations
  '$aggregate',
  '$interval',
] as const
const OPTIONS = new Set<string>(QUERY_OPTIONS)

/** What a store is asked for by one level of a query (`$top` already within the maximum). */
export function pageRequest(q: EntityQuery, defaultTop: number): PageRequest {
  return {
    top: q.top ?? defaultTop,
    skip: q.skip ?? 0,
    ...(q.filter ? { filter: q.filter } : {}),
    ...(q.orderBy ? { orderBy: q.orderBy } : {}),
    count: q.count === true,
  }
}

/** Parentheses nested deeper than this are refused before parsing (the parser recurses on them). */
const MAX_NESTING = 64
/** Longer option values are refused: no request needs them, and parse time grows with them. */
const MAX_OPTION_CHARS = 8192

/** OData features that SensorThings API v1.1 does not include, with what to say about them. */
const NOT_IN_STA: ReadonlyArray<[RegExp, string]> = [
  [/\/(any|all)\s*\(/i, 'lambda operators (any, all) are not part of SensorThings API v1.1'],
  [/\s(in)\s*\(/i, "the 'in' operator is not part of SensorThings API v1.1; use 'or'"],
  [/\s(has)\s/i, "the 'has' operator is not part of SensorThings API v1.1"],
  [/\$(search|apply|levels|compute)\b/i, 'this OData option is not part of SensorThings API v1.1'],
]

type RawOption =
  | { name: '$filter'; value: Expr }
  | { name: '$orderby'; value: { expr: Expr; direction: 'asc' | 'desc' }[] }
  | { name: '$select'; value: string[][] }
  | { name: '$expand'; value: RawExpand[] }
  | { name: '$top' | '$skip'; value: number }
  | { name: '$count'; value: boolean }
type RawExpand = { path: string[]; options: RawOption[] }

function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let quoted = false
  for (const ch of text) {
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') max = Math.max(max, ++depth)
    else if (!quoted && ch === ')') depth--
  }
  return max
}

function parse<T>(option: string, text: string, startRule: 'Filter' | 'OrderBy' | 'Select' | 'Expand'): T {
  if (text.length > MAX_OPTION_CHARS)
    throw new QueryError(option, `longer than ${MAX_OPTION_CHARS} characters`)
  if (nestingDepth(text) > MAX_NESTING)
    throw new QueryError(option, `parentheses nested deeper than ${MAX_NESTING} levels`)
  try {
    return parser.parse(text, { startRule }) as T
  } catch (err) {
    for (const [pattern, why] of NOT_IN_STA) if (pattern.test(` ${text}`)) throw new QueryError(option, why)
    if (err instanceof parser.SyntaxError) {
      const at = err.location.start.offset
      throw new QueryError(option, `${err.message} (at character ${at + 1})`)
    }
    if (err instanceof RangeError) throw new QueryError(option, 'expression nested too deeply')
    throw err
  }
}

/** Refuses unknown functions and wrong argument counts, which the grammar cannot know. */
function checkExpr(option: string, e: Expr): void {
  switch (e.kind) {
    case 'call': {
      const arities = (FUNCTIONS as Record<string, readonly number[]>)[e.name]
      if (!arities)
        throw new QueryError(
          option,
          `unsupported function ${e.name}(); SensorThings API v1.1 has ${Object.keys(FUNCTIONS).join(', ')}`,
        )
      if (!arities.includes(e.args.length))
        throw new QueryError(
          option,
          `${e.name}() takes ${arities.join(' or ')} argument${arities.at(-1) === 1 ? '' : 's'}, not ${e.args.length}`,
        )
      for (const a of e.args) checkExpr(option, a)
      return
    }
    case 'binary':
      checkExpr(option, e.left)
      checkExpr(option, e.right)
      return
    case 'not':
    case 'negate':
      checkExpr(option, e.operand)
      return
    default:
      return
  }
}

const normaliseSelect = (paths: string[][]) => paths.map((p) => p.map((s) => (s === '@iot.id' ? 'id' : s)))

function toEntityQuery(options: RawOption[], where: string, depth: number, limits: QueryLimits): EntityQuery {
  const q: EntityQuery = {}
  const seen = new Set<string>()
  for (const o of options) {
    const name = `${where}${o.name}`
    if (seen.has(o.name)) throw new QueryError(name, 'given more than once')
    seen.add(o.name)
    switch (o.name) {
      case '$filter':
        checkExpr(name, o.value)
        q.filter = o.value
        break
      case '$orderby':
        for (const item of o.value) checkExpr(name, item.expr)
        q.orderBy = o.value
        break
      case '$select':
        q.select = normaliseSelect(o.value)
        break
      case '$expand':
        q.expand = toExpand(o.value, where, depth + 1, limits)
        break
      case '$top':
        q.top = Math.min(o.value, limits.maxTop)
        break
      case '$skip':
        q.skip = o.value
        break
      case '$count':
        q.count = o.value
        break
    }
  }
  return q
}

function toExpand(items: RawExpand[], where: string, depth: number, limits: QueryLimits): ExpandItem[] {
  return items.map((item) => {
    // a path of n navigation steps is n levels: Datastreams/Observations expands twice
    const levels = depth + item.path.length - 1
    if (levels > limits.maxExpandDepth)
      throw new QueryError(`${where}$expand`, `nested deeper than ${limits.maxExpandDepth} levels`)
    return {
      path: item.path,
      query: toEntityQuery(item.options, `${where}$expand=${item.path.join('/')}(…)/`, levels, limits),
    }
  })
}

function integer(option: string, raw: string): number {
  if (!/^\d{1,15}$/.test(raw.trim())) throw new QueryError(option, `'${raw}' is not a non-negative integer`)
  return Number(raw.trim())
}

/**
 * Parses the query options of a SensorThings request. Options not starting with `$` are left to the
 * caller (OData custom options); an unknown `$` option, one given twice or one that does not parse is
 * a QueryError saying what is wrong.
 */
export function parseQuery(params: URLSearchParams, limits: QueryLimits = DEFAULT_LIMITS): RequestQuery {
  const raw = new Map<string, string>()
  for (const [key, value] of params) {
    if (!key.startsWith('$')) continue
    if (!OPTIONS.has(key)) {
      const known = [...OPTIONS].find((o) => o.toLowerCase() === key.toLowerCase())
      throw new QueryError(
        key,
        known ? `unknown query option; did you mean ${known}?` : 'unknown query option',
      )
    }
    if (raw.has(key)) throw new QueryError(key, 'given more than once')
    raw.set(key, value)
  }
  const options: RawOption[] = []
  for (const [key, value] of raw) {
    switch (key) {
      case '$filter':
        options.push({ name: key, value: parse<Expr>(key, value, 'Filter') })
        break
      case '$orderby':
        options.push({ name: key, value: parse(key, value, 'OrderBy') })
        break
      case '$select':
        options.push({ name: key, value: parse(key, value, 'Select') })
        break
      case '$expand':
        options.push({ name: key, value: parse(key, value, 'Expand') })
        break
      case '$top':
      case '$skip':
        options.push({ name: key, value: integer(key, value) })
        break
      case '$count':
        if (value !== 'true' && value !== 'false')
          throw new QueryError(key, `'${value}' is neither true nor false`)
        options.push({ name: key, value: value === 'true' })
        break
    }
  }
  const q = toEntityQuery(options, '', 0, limits)
  const aggregate = aggregateOption(raw.get('$aggregate'), raw.get('$interval'))
  const resultFormat = raw.get('$resultFormat')
  if (resultFormat !== undefined && !(RESULT_FORMATS as readonly string[]).includes(resultFormat))
    throw new QueryError('$resultFormat', `'${resultFormat}' is not one of ${RESULT_FORMATS.join(', ')}`)
  return {
    ...q,
    top: q.top ?? limits.defaultTop,
    skip: q.skip ?? 0,
    count: q.count ?? false,
    ...(resultFormat ? { resultFormat: resultFormat as ResultFormat } : {}),
    ...(aggregate ? { aggregate } : {}),
  }
}

function aggregateOption(fn: string | undefined, interval: string | undefined): AggregateOption | undefined {
  if (fn === undefined && interval === undefined) return undefined
  if (fn === undefined)
    throw new QueryError('$interval', 'goes with $aggregate (avg, min, max, sum or count)')
  if (!(AGGREGATE_FNS as readonly string[]).includes(fn))
    throw new QueryError('$aggregate', `'${fn}' is not one of ${AGGREGATE_FNS.join(', ')}`)
  if (interval === undefined)
    throw new QueryError('$aggregate', 'needs $interval, an ISO 8601 duration such as PT15M, PT1H or P1D')
  let ms: number
  try {
    ms = durationMs(interval.trim())
  } catch {
    throw new QueryError(
      '$interval',
      `'${interval}' is not an ISO 8601 duration of days, hours, minutes or seconds (PT1H, P1D)`,
    )
  }
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS)
    throw new QueryError('$interval', `must be between PT1S and P366D, not ${interval}`)
  return { fn: fn as AggregateFn, interval: interval.trim(), intervalMs: ms }
}
