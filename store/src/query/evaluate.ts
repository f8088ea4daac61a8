import booleanContains from '@turf/boolean-contains'
import booleanCrosses from '@turf/boolean-crosses'
import booleanDisjoint from '@turf/boolean-disjoint'
import booleanEqual from '@turf/boolean-equal'
import booleanIntersects from '@turf/boolean-intersects'
import booleanOverlap from '@turf/boolean-overlap'
import booleanTouches from '@turf/boolean-touches'
import booleanWithin from '@turf/boolean-within'
import type { Expr, Geometry, OrderBy, Page, PageRequest } from '@urbantwin/model'

/**
 * SensorThings `$filter` and `$orderby` evaluated on entities in memory: the reference semantics the
 * SQL and TSDB translations are tested against, and what runs where an engine cannot (geometry
 * relations without a spatial extension, small registries).
 *
 * Semantics, as FROST-Server and OData have them:
 * - null: `eq null` is true for a missing value; any other comparison with null, arithmetic with
 *   null and functions of null give null; `and`/`or`/`not` use three-valued logic; an entity passes
 *   the filter only if the result is true.
 * - A value from an entity that does not fit the operation (a string added to a number) gives null,
 *   so it does not pass; a query that can never be evaluated is refused (UnsupportedQueryError).
 * - Times: Date values, and ISO 8601 strings (instants or intervals `start/end`) where they meet a
 *   time; a Date compared with a string that is no time is a type mismatch (null). Against an instant, an interval is
 *   `gt`/`ge` by its start, `lt`/`le` by its end and `eq` only if start and end are equal to it.
 * - Geometry: GeoJSON; distances and lengths are in the units of the coordinates (degrees for
 *   WGS 84), as OGC 18-088 says; relations follow the DE-9IM predicates (Turf).
 */

/** Reads a property path from an entity: `['Thing', 'properties', 'owner']`. */
export type PathReader<T> = (entity: T, path: readonly string[]) => unknown

export class UnsupportedQueryError extends Error {}

type Instant = { kind: 'instant'; ms: number }
type Interval = { kind: 'interval'; start: number; end: number }
type Duration = { kind: 'duration'; ms: number }
type Value = null | string | number | boolean | Instant | Interval | Duration | GeoValue | unknown[] | object
type GeoValue = { kind: 'geometry'; geometry: Geometry }

/** What mindatetime() and maxdatetime() return: the first and last instant of years 0001–9999. */
export const MIN_DATETIME = Date.parse('0001-01-01T00:00:00Z')
export const MAX_DATETIME = Date.parse('9999-12-31T23:59:59.999Z')
const GEOMETRY_TYPES = new Set([
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
])
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isKind = <K extends string>(v: unknown, kind: K): v is { kind: K } => isObj(v) && v.kind === kind

/** A time from an entity (ISO string, instant or interval) or a literal; null if it is none. */
function asTime(v: Value): Instant | Interval | null {
  if (isKind(v, 'instant') || isKind(v, 'interval')) return v as Instant | Interval
  if (typeof v !== 'string') return null
  const slash = v.indexOf('/')
  if (slash > 0) {
    const start = ISO_INSTANT.test(v.slice(0, slash)) ? Date.parse(v.slice(0, slash)) : NaN
    const end = ISO_INSTANT.test(v.slice(slash + 1)) ? Date.parse(v.slice(slash + 1)) : NaN
    return Number.isNaN(start) || Number.isNaN(end) ? null : { kind: 'interval', start, end }
  }
  const ms = ISO_INSTANT.test(v) ? Date.parse(v) : NaN
  return Number.isNaN(ms) ? null : { kind: 'instant', ms }
}

const startOf = (t: Instant | Interval) => (t.kind === 'instant' ? t.ms : t.start)
const endOf = (t: Instant | Interval) => (t.kind === 'instant' ? t.ms : t.end)

function asGeometry(v: Value): Geometry | null {
  if (isKind(v, 'geometry')) return (v as GeoValue).geometry
  if (!isObj(v)) return null
  const o: Record<string, unknown> = v
  if (o.type === 'Feature' && isObj(o.geometry)) return asGeometry(o.geometry)
  return typeof o.type === 'string' && GEOMETRY_TYPES.has(o.type) && Array.isArray(o.coordinates)
    ? (o as Geometry)
    : null
}

/** P1DT2H3M4.5S → ms (days of 24 h: OData's dayTimeDuration). */
export function durationMs(text: string): number {
  const m = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text)
  if (!m) throw new UnsupportedQueryError(`${text} is not a duration`)
  const ms =
    (Number(m[2] ?? 0) * 86_400 + Number(m[3] ?? 0) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) *
    1000
  return Math.round(m[1] ? -ms : ms)
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
/** hh:mm[:ss[.fff]] → hh:mm:ss.fff, so times compare as strings. */
export function normaliseTime(text: string): string {
  const [h = '0', m = '0', s = '0'] = text.split(':')
  const [whole = '0', frac = ''] = s.split('.')
  return `${pad(Number(h))}:${pad(Number(m))}:${pad(Number(whole))}.${(frac + '000').slice(0, 3)}`
}

function compareValues(a: Value, b: Value): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1
  if (isKind(a, 'duration') && isKind(b, 'duration'))
    return Math.sign((a as Duration).ms - (b as Duration).ms)
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : a < b ? -1 : 1
  return null
}

function compare(op: string, a: Value, b: Value): boolean | null {
  if (a === null || b === null) {
    if (op === 'eq') return a === b
    if (op === 'ne') return a !== b
    return null
  }
  // times: one side a time literal or value, the other a time or an ISO string
  const ta = typeof a === 'string' && (isKind(b, 'instant') || isKind(b, 'interval')) ? asTime(a) : null
  const tb = typeof b === 'string' && (isKind(a, 'instant') || isKind(a, 'interval')) ? asTime(b) : null
  const x = ta ?? (isKind(a, 'instant') || isKind(a, 'interval') ? (a as Instant | Interval) : null)
  const y = tb ?? (isKind(b, 'instant') || isKind(b, 'interval') ? (b as Instant | Interval) : null)
  if (x && y) {
    switch (op) {
      case 'eq':
        return startOf(x) === startOf(y) && endOf(x) === endOf(y)
      case 'ne':
        return !(startOf(x) === startOf(y) && endOf(x) === endOf(y))
      case 'gt':
        return startOf(x) > endOf(y)
      case 'ge':
        return startOf(x) >= endOf(y)
      case 'lt':
        return endOf(x) < startOf(y)
      default:
        return endOf(x) <= startOf(y)
    }
  }
  const c = compareValues(a, b)
  if (c === null) return op === 'ne' ? true : op === 'eq' ? false : null
  switch (op) {
    case 'eq':
      return c === 0
    case 'ne':
      return c !== 0
    case 'gt':
      return c > 0
    case 'ge':
      return c >= 0
    case 'lt':
      return c < 0
    default:
      return c <= 0
  }
}

function arithmetic(op: string, a: Value, b: Value): Value {
  if (a === null || b === null) return null
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case 'add':
        return a + b
      case 'sub':
        return a - b
      case 'mul':
        return a * b
      case 'div':
        return b === 0 ? null : a / b
      default:
        return b === 0 ? null : a % b
    }
  }
  const ta = typeof a === 'string' ? asTime(a) : isKind(a, 'instant') ? (a as Instant) : null
  const instant = ta?.kind === 'instant' ? ta : null
  if (instant && isKind(b, 'duration') && (op === 'add' || op === 'sub'))
    return { kind: 'instant', ms: instant.ms + (op === 'add' ? 1 : -1) * (b as Duration).ms }
  if (instant && op === 'sub') {
    const tb = typeof b === 'string' ? asTime(b) : isKind(b, 'instant') ? (b as Instant) : null
    if (tb?.kind === 'instant') return { kind: 'duration', ms: instant.ms - tb.ms }
  }
  if (isKind(a, 'duration') && isKind(b, 'duration') && (op === 'add' || op === 'sub'))
    return { kind: 'duration', ms: (a as Duration).ms + (op === 'add' ? 1 : -1) * (b as Duration).ms }
  return null
}

function logical(op: 'and' | 'or', a: Value, b: Value): boolean | null {
  const x = typeof a === 'boolean' ? a : null
  const y = typeof b === 'boolean' ? b : null
  if (op === 'and') return x === false || y === false ? false : x === null || y === null ? null : true
  return x === true || y === true ? true : x === null || y === null ? null : false
}

// ---- geometry (planar, in coordinate units)

function segments(g: Geometry): Array<[number[], number[]]> {
  const lines: number[][][] =
    g.type === 'Point'
      ? [[g.coordinates, g.coordinates]]
      : g.type === 'MultiPoint'
        ? g.coordinates.map((c) => [c, c])
        : g.type === 'LineString'
          ? [g.coordinates]
          : g.type === 'MultiLineString' || g.type === 'Polygon'
            ? g.coordinates
            : g.coordinates.flat()
  return lines.flatMap((line) =>
    line.length === 1
      ? [[line[0]!, line[0]!]]
      : line.slice(1).map((p, i) => [line[i]!, p] as [number[], number[]]),
  )
}

function pointSegment(p: number[], a: number[], b: number[]): number {
  const [px = 0, py = 0] = p
  const [ax = 0, ay = 0] = a
  const [bx = 0, by = 0] = b
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

function distance(a: Geometry, b: Geometry): number {
  if (relate('geo.intersects', a, b)) return 0
  let best = Infinity
  for (const [a1, a2] of segments(a))
    for (const [b1, b2] of segments(b))
      best = Math.min(
        best,
        pointSegment(a1, b1, b2),
        pointSegment(a2, b1, b2),
        pointSegment(b1, a1, a2),
        pointSegment(b2, a1, a2),
      )
  return best
}

function length(g: Geometry): number | null {
  if (g.type !== 'LineString' && g.type !== 'MultiLineString') return null
  return segments(g).reduce(
    (sum, [a, b]) => sum + Math.hypot((b[0] ?? 0) - (a[0] ?? 0), (b[1] ?? 0) - (a[1] ?? 0)),
    0,
  )
}

const RELATIONS: Record<string, (a: Geometry, b: Geometry) => boolean> = {
  'geo.intersects': (a, b) => booleanIntersects(a, b),
  st_intersects: (a, b) => booleanIntersects(a, b),
  st_disjoint: (a, b) => booleanDisjoint(a, b),
  st_equals: (a, b) => a.type === b.type && booleanEqual(a, b),
  st_within: (a, b) => booleanWithin(a, b),
  st_contains: (a, b) => booleanContains(a, b),
  st_touches: (a, b) => booleanTouches(a, b),
  // overlap and crossing are defined for geometries of the same or of crossing dimensions only
  st_overlaps: (a, b) => a.type === b.type && booleanOverlap(a, b),
  st_crosses: (a, b) => booleanCrosses(a, b),
}

const dimension = (g: Geometry) => (g.type.endsWith('Point') ? 0 : g.type.endsWith('LineString') ? 1 : 2)

/** Pairs for which a relation is false by the dimensions alone (Turf refuses some of them). */
function impossible(name: string, a: Geometry, b: Geometry): boolean {
  const [da, db] = [dimension(a), dimension(b)]
  switch (name) {
    case 'st_touches':
      return da === 0 && db === 0
    case 'st_crosses':
      // a single point has no room to be both inside and outside the other geometry
      return (da === db && da !== 1) || a.type === 'Point' || b.type === 'Point'
    case 'st_within':
      return da > db
    case 'st_contains':
      return da < db
    default:
      return false
  }
}

function relate(name: string, a: Geometry, b: Geometry): boolean {
  const f = RELATIONS[name]
  if (!f) throw new UnsupportedQueryError(`${name}() is not supported by this server`)
  if (impossible(name, a, b)) return false
  try {
    return f(a, b)
  } catch (err) {
    throw new UnsupportedQueryError(`${name}() between ${a.type} and ${b.type}: ${(err as Error).message}`)
  }
}

// ---- functions

function str(v: Value): string | null {
  return typeof v === 'string' ? v : null
}

function timeParts(v: Value): Date | null {
  const t = v === null ? null : asTime(v)
  return t ? new Date(startOf(t)) : null
}

function call(name: string, args: Value[], now: () => number): Value {
  const [a = null, b = null, c = null] = args
  switch (name) {
    case 'now':
      return { kind: 'instant', ms: now() }
    case 'mindatetime':
      return { kind: 'instant', ms: MIN_DATETIME }
    case 'maxdatetime':
      return { kind: 'instant', ms: MAX_DATETIME }
  }
  if (args.some((x) => x === null)) return null
  // each function takes its arguments as one type; any other type gives null
  const strings = (f: (x: string, y: string) => Value) => {
    const [x, y] = [str(a), str(b)]
    return x !== null && y !== null ? f(x, y) : null
  }
  const text = (f: (x: string) => Value) => {
    const x = str(a)
    return x === null ? null : f(x)
  }
  const time = (f: (d: Date) => Value) => {
    const d = timeParts(a)
    return d ? f(d) : null
  }
  const number = (f: (n: number) => Value) => (typeof a === 'number' ? f(a) : null)
  switch (name) {
    case 'substringof':
      return strings((x, y) => y.includes(x))
    case 'contains':
      return strings((x, y) => x.includes(y))
    case 'endswith':
      return strings((x, y) => x.endsWith(y))
    case 'startswith':
      return strings((x, y) => x.startsWith(y))
    case 'length':
      return text((x) => x.length)
    case 'indexof':
      return strings((x, y) => x.indexOf(y))
    case 'substring': {
      const s = str(a)
      if (s === null || typeof b !== 'number' || b < 0) return null
      const from = Math.trunc(b)
      if (args.length === 2) return s.slice(from)
      return typeof c === 'number' && c >= 0 ? s.slice(from, from + Math.trunc(c)) : null
    }
    case 'tolower':
      return text((x) => x.toLowerCase())
    case 'toupper':
      return text((x) => x.toUpperCase())
    case 'trim':
      return text((x) => x.trim())
    case 'concat':
      return strings((x, y) => x + y)
    case 'year':
      return time((d) => d.getUTCFullYear())
    case 'month':
      return time((d) => d.getUTCMonth() + 1)
    case 'day':
      return time((d) => d.getUTCDate())
    case 'hour':
      return time((d) => d.getUTCHours())
    case 'minute':
      return time((d) => d.getUTCMinutes())
    case 'second':
      return time((d) => d.getUTCSeconds())
    case 'fractionalseconds':
      return time((d) => d.getUTCMilliseconds() / 1000)
    case 'date':
      return time((d) => d.toISOString().slice(0, 10))
    case 'time':
      return time((d) => d.toISOString().slice(11, 23))
    case 'totaloffsetminutes':
      return time(() => 0) // times are kept in UTC
    case 'round':
      return number((n) => Math.sign(n) * Math.round(Math.abs(n)))
    case 'floor':
      return number(Math.floor)
    case 'ceiling':
      return number(Math.ceil)
    case 'geo.distance': {
      const [g, h] = [asGeometry(a), asGeometry(b)]
      return g && h ? distance(g, h) : null
    }
    case 'geo.length': {
      const g = asGeometry(a)
      return g ? length(g) : null
    }
    case 'st_relate':
      throw new UnsupportedQueryError('st_relate() is not supported by this server')
    default: {
      const [g, h] = [asGeometry(a), asGeometry(b)]
      return g && h ? relate(name, g, h) : null
    }
  }
}

export type EvaluateOptions = { now?: () => number }

/** The value of `expr` for one entity. */
export function evaluate<T>(expr: Expr, entity: T, read: PathReader<T>, opts: EvaluateOptions = {}): Value {
  const now = opts.now ?? Date.now
  const ev = (e: Expr): Value => {
    switch (e.kind) {
      case 'literal':
        switch (e.type) {
          case 'datetime':
            return { kind: 'instant', ms: Date.parse(e.value) }
          case 'duration':
            return { kind: 'duration', ms: durationMs(e.value) }
          case 'time':
            return normaliseTime(e.value)
          case 'geometry':
            return { kind: 'geometry', geometry: e.value }
          default:
            return e.value
        }
      case 'property': {
        const v = read(entity, e.path)
        if (v instanceof Date) return { kind: 'instant', ms: v.getTime() }
        return v === undefined ? null : (v as Value)
      }
      case 'not': {
        const v = ev(e.operand)
        return typeof v === 'boolean' ? !v : null
      }
      case 'negate': {
        const v = ev(e.operand)
        return typeof v === 'number'
          ? -v
          : isKind(v, 'duration')
            ? { kind: 'duration', ms: -(v as Duration).ms }
            : null
      }
      case 'call':
        return call(
          e.name,
          e.args.map((a) => ev(a)),
          now,
        )
      case 'binary': {
        const left = ev(e.left)
        const right = ev(e.right)
        switch (e.op) {
          case 'and':
          case 'or':
            return logical(e.op, left, right)
          case 'add':
          case 'sub':
          case 'mul':
          case 'div':
          case 'mod':
            return arithmetic(e.op, left, right)
          default:
            return compare(e.op, left, right)
        }
      }
    }
  }
  return ev(expr)
}

/** Whether an entity passes a `$filter` (only a result of true does). */
export function matches<T>(expr: Expr, entity: T, read: PathReader<T>, opts?: EvaluateOptions): boolean {
  return evaluate(expr, entity, read, opts) === true
}

/** A sort key for `$orderby`: numbers, strings, booleans and times order; anything else is null. */
function sortKey(v: Value): number | string | boolean | null {
  if (typeof v === 'number' || typeof v === 'boolean') return v
  if (typeof v === 'string') {
    const t = ISO_INSTANT.test(v) || v.includes('/') ? asTime(v) : null
    return t ? startOf(t) : v
  }
  if (isKind(v, 'instant') || isKind(v, 'interval')) return startOf(v as Instant | Interval)
  if (isKind(v, 'duration')) return (v as Duration).ms
  return null
}

/** Sorts entities by `$orderby` (stable; nulls last in either direction, as DuckDB orders them). */
export function sortBy<T>(
  entities: readonly T[],
  orderBy: readonly OrderBy[],
  read: PathReader<T>,
  opts?: EvaluateOptions,
): T[] {
  const keyed = entities.map((e, i) => ({
    e,
    i,
    keys: orderBy.map((o) => sortKey(evaluate(o.expr, e, read, opts))),
  }))
  keyed.sort((x, y) => {
    for (const [k, o] of orderBy.entries()) {
      const a = x.keys[k] ?? null
      const b = y.keys[k] ?? null
      if (a === b) continue
      if (a === null) return 1
      if (b === null) return -1
      const c = typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a < typeof b ? -1 : 1
      if (c !== 0) return o.direction === 'asc' ? c : -c
    }
    return x.i - y.i
  })
  return keyed.map((k) => k.e)
}

/** Reads a path through nested objects: what a reader of plain JSON entities needs. */
export function readJsonPath(entity: unknown, path: readonly string[]): unknown {
  let v: unknown = entity
  for (const segment of path) {
    if (Array.isArray(v) && /^\d+$/.test(segment)) v = v[Number(segment)]
    else if (isObj(v) && Object.hasOwn(v, segment)) v = v[segment]
    else return undefined
  }
  return v
}

/** A page of entities already in hand: `$filter`, `$orderby`, `$skip` and `$top` applied in memory. */
export function pageOf<T>(items: readonly T[], p: PageRequest, opts?: EvaluateOptions): Page<T> {
  const kept = p.filter ? items.filter((i) => matches(p.filter!, i, readJsonPath, opts)) : [...items]
  const ordered = p.orderBy?.length ? sortBy(kept, p.orderBy, readJsonPath, opts) : kept
  return { items: ordered.slice(p.skip, p.skip + p.top), count: ordered.length }
}
