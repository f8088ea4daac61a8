import type { DuckDBValue } from '@duckdb/node-api'
import type { Expr, OrderBy } from '@urbantwin/model'
import {
  MAX_DATETIME,
  MIN_DATETIME,
  UnsupportedQueryError,
  durationMs,
  normaliseTime,
} from '../query/evaluate.ts'

/**
 * `$filter` and `$orderby` trees → DuckDB SQL with bound parameters, with the semantics of the
 * in-memory evaluator (query/evaluate.ts), which the tests hold it to:
 * - `eq`/`ne` are IS [NOT] DISTINCT FROM (null eq 5 is false, null ne 5 is true), other comparisons
 *   with null are null; comparing values whose types never match (a name with a number) is refused
 *   (UnsupportedQueryError), as OData servers refuse it; other misfits give null, never an SQL error;
 * - JSON properties (`properties/owner`) take part as the type of what they hold at each row;
 * - functions with no SQL form here (geometry relations) raise UnsupportedQueryError: the caller
 *   evaluates those in memory or answers 400.
 * The text of the query never reaches the SQL: literals are parameters, property paths are looked up
 * in a fixed column map.
 */

/** A query that is fine but has no SQL form here: the caller may evaluate it in memory instead. */
export class NoSqlTranslationError extends UnsupportedQueryError {}

export type SqlType = 'number' | 'string' | 'boolean' | 'time' | 'duration' | 'json' | 'point' | 'null'

/** Where a property path lives: an SQL expression over the entity's row and its type. */
export type Column = { sql: string; type: SqlType }
export type ColumnMap = (path: readonly string[]) => Column | null

export type SqlFragment = { sql: string; params: DuckDBValue[] }

type Typed = { sql: string; type: SqlType }

/** Numbered parameters ($1, $2 …): an expression may then appear twice in the SQL without rebinding. */
type Binder = (value: DuckDBValue, sqlType: string) => string

const NULL: Typed = { sql: 'NULL', type: 'null' }
const NUMERIC_JSON = "('BIGINT', 'UBIGINT', 'DOUBLE')"

const typed = (sql: string, type: SqlType): Typed => ({ sql, type })
/**
 * A NULL of `type`, cast: a bare NULL has no type in DuckDB, so a function taking one cannot be
 * chosen (`contains('x', NULL)` fails to bind) where the in-memory evaluator simply yields null.
 */
const CAST_OF: Record<SqlType, string | null> = {
  number: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  time: 'TIMESTAMPTZ',
  duration: 'INTERVAL',
  json: 'JSON',
  point: 'DOUBLE[]',
  null: null,
}
const nullOf = (type: SqlType): Typed =>
  typed(CAST_OF[type] ? `CAST(NULL AS ${CAST_OF[type]})` : 'NULL', type)
const param = (bind: Binder, value: DuckDBValue, sqlType: string, type: SqlType): Typed =>
  typed(bind(value, sqlType), type)

/** A JSON value as `type`, or NULL where it holds something else. */
function fromJson(j: Typed, type: SqlType): Typed {
  switch (type) {
    case 'number':
      return typed(
        `(CASE WHEN json_type(${j.sql}) IN ${NUMERIC_JSON} THEN CAST(${j.sql} AS DOUBLE) END)`,
        'number',
      )
    case 'string':
      return typed(
        `(CASE WHEN json_type(${j.sql}) = 'VARCHAR' THEN json_extract_string(${j.sql}, '$') END)`,
        'string',
      )
    case 'boolean':
      return typed(
        `(CASE WHEN json_type(${j.sql}) = 'BOOLEAN' THEN CAST(${j.sql} AS BOOLEAN) END)`,
        'boolean',
      )
    case 'time':
      return typed(
        `(CASE WHEN json_type(${j.sql}) = 'VARCHAR' THEN TRY_CAST(json_extract_string(${j.sql}, '$') AS TIMESTAMPTZ) END)`,
        'time',
      )
    default:
      return typed('NULL', 'null')
  }
}

/** `t` as `type` if it is one (JSON converted per row); null when it can never be. */
function as(t: Typed, type: SqlType): Typed | null {
  if (t.type === type) return t
  if (t.type === 'json') return fromJson(t, type)
  if (t.type === 'null') return nullOf(type)
  return null
}

/** A JSON value that is null, or no value at all. */
const isNullSql = (t: Typed) =>
  t.type === 'json'
    ? typed(`(${t.sql} IS NULL OR json_type(${t.sql}) = 'NULL')`, 'boolean')
    : typed(`(${t.sql} IS NULL)`, 'boolean')

const SQL_COMPARISON: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=' }

function comparison(op: string, a: Typed, b: Typed): Typed {
  if (a.type === 'null' || b.type === 'null') {
    const other = a.type === 'null' ? b : a
    if (op === 'eq') return other.type === 'null' ? typed('TRUE', 'boolean') : isNullSql(other)
    if (op === 'ne')
      return other.type === 'null'
        ? typed('FALSE', 'boolean')
        : typed(`(NOT ${isNullSql(other).sql})`, 'boolean')
    return typed('CAST(NULL AS BOOLEAN)', 'boolean')
  }
  if (a.type === 'json' && b.type === 'json') throw new NoSqlTranslationError('comparing two JSON properties')
  const type = a.type === 'json' ? b.type : a.type
  const x = as(a, type)
  const y = as(b, type)
  if (!x || !y || type === 'point')
    throw new UnsupportedQueryError(`cannot compare a ${a.type} with a ${b.type}`)
  // a JSON value of another type than the other side is not comparable: false / true / null
  const jsonGuard = a.type === 'json' || b.type === 'json' ? (a.type === 'json' ? a : b) : null
  const core =
    op === 'eq'
      ? typed(`(${x.sql} IS NOT DISTINCT FROM ${y.sql})`, 'boolean')
      : op === 'ne'
        ? typed(`(${x.sql} IS DISTINCT FROM ${y.sql})`, 'boolean')
        : typed(`(${x.sql} ${SQL_COMPARISON[op]} ${y.sql})`, 'boolean')
  if (!jsonGuard || op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') return core
  // eq/ne: a JSON value that is present but of another type is unequal (not null-equal)
  const converted = jsonGuard === a ? x : y
  const mismatch = typed(`(NOT ${isNullSql(jsonGuard).sql} AND ${converted.sql} IS NULL)`, 'boolean')
  return op === 'eq'
    ? typed(`(NOT ${mismatch.sql} AND ${core.sql})`, 'boolean')
    : typed(`(${mismatch.sql} OR ${core.sql})`, 'boolean')
}

function arithmetic(op: string, a: Typed, b: Typed): Typed {
  if (a.type === 'null' || b.type === 'null') return NULL
  const na = as(a, 'number')
  const nb = as(b, 'number')
  if (na && nb) {
    switch (op) {
      case 'add':
        return typed(`(${na.sql} + ${nb.sql})`, 'number')
      case 'sub':
        return typed(`(${na.sql} - ${nb.sql})`, 'number')
      case 'mul':
        return typed(`(${na.sql} * ${nb.sql})`, 'number')
      case 'div':
        return typed(`(${na.sql} / NULLIF(${nb.sql}, 0))`, 'number')
      default:
        return typed(`(${na.sql} % NULLIF(${nb.sql}, 0))`, 'number')
    }
  }
  if (a.type === 'time' && b.type === 'duration' && (op === 'add' || op === 'sub'))
    return typed(`(${a.sql} ${op === 'add' ? '+' : '-'} ${b.sql})`, 'time')
  if (a.type === 'time' && b.type === 'time' && op === 'sub')
    return typed(`(${a.sql} - ${b.sql})`, 'duration')
  if (a.type === 'duration' && b.type === 'duration' && (op === 'add' || op === 'sub'))
    return typed(`(${a.sql} ${op === 'add' ? '+' : '-'} ${b.sql})`, 'duration')
  return NULL
}

function logical(op: 'and' | 'or', a: Typed, b: Typed): Typed {
  const x = as(a, 'boolean') ?? typed('CAST(NULL AS BOOLEAN)', 'boolean')
  const y = as(b, 'boolean') ?? typed('CAST(NULL AS BOOLEAN)', 'boolean')
  return typed(`(${x.sql} ${op.toUpperCase()} ${y.sql})`, 'boolean')
}

function call(name: string, args: Typed[], now: () => number, bind: Binder): Typed {
  const s = (i: number) => as(args[i]!, 'string')
  const n = (i: number) => as(args[i]!, 'number')
  const t = (i: number) => as(args[i]!, 'time')
  // string results are cast: DuckDB folds an expression that is always NULL (`'' || NULL`, a CASE
  // without a match) to an untyped NULL, which no function that takes a string then accepts
  const fn = (sql: (...p: string[]) => string, type: SqlType, parts: Array<Typed | null>): Typed => {
    if (parts.some((p) => p === null)) return nullOf(type)
    const text = sql(...parts.map((p) => p!.sql))
    return typed(type === 'string' ? `CAST(${text} AS VARCHAR)` : text, type)
  }
  switch (name) {
    case 'now':
      return param(bind, new Date(now()).toISOString(), 'TIMESTAMPTZ', 'time')
    case 'mindatetime':
      return param(bind, new Date(MIN_DATETIME).toISOString(), 'TIMESTAMPTZ', 'time')
    case 'maxdatetime':
      return param(bind, new Date(MAX_DATETIME).toISOString(), 'TIMESTAMPTZ', 'time')
    case 'substringof':
      return fn((a, b) => `contains(${b}, ${a})`, 'boolean', [s(0), s(1)])
    case 'contains':
      return fn((a, b) => `contains(${a}, ${b})`, 'boolean', [s(0), s(1)])
    case 'endswith':
      return fn((a, b) => `ends_with(${a}, ${b})`, 'boolean', [s(0), s(1)])
    case 'startswith':
      return fn((a, b) => `starts_with(${a}, ${b})`, 'boolean', [s(0), s(1)])
    case 'length':
      return fn((a) => `CAST(length(${a}) AS DOUBLE)`, 'number', [s(0)])
    case 'indexof':
      return fn((a, b) => `CAST(instr(${a}, ${b}) - 1 AS DOUBLE)`, 'number', [s(0), s(1)])
    case 'substring':
      return args.length === 2
        ? fn(
            (a, b) => `(CASE WHEN ${b} >= 0 THEN substring(${a}, CAST(trunc(${b}) AS BIGINT) + 1) END)`,
            'string',
            [s(0), n(1)],
          )
        : fn(
            (a, b, c) =>
              `(CASE WHEN ${b} >= 0 AND ${c} >= 0 THEN substring(${a}, CAST(trunc(${b}) AS BIGINT) + 1, CAST(trunc(${c}) AS BIGINT)) END)`,
            'string',
            [s(0), n(1), n(2)],
          )
    case 'tolower':
      return fn((a) => `lower(${a})`, 'string', [s(0)])
    case 'toupper':
      return fn((a) => `upper(${a})`, 'string', [s(0)])
    case 'trim':
      return fn((a) => `regexp_replace(${a}, '^\\s+|\\s+$', '', 'g')`, 'string', [s(0)])
    case 'concat':
      return fn((a, b) => `(${a} || ${b})`, 'string', [s(0), s(1)])
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'minute':
    case 'second':
      return fn((a) => `CAST(${name}(${a}) AS DOUBLE)`, 'number', [t(0)])
    case 'fractionalseconds':
      return fn((a) => `(CAST(millisecond(${a}) % 1000 AS DOUBLE) / 1000)`, 'number', [t(0)])
    case 'date':
      return fn((a) => `strftime(${a}, '%Y-%m-%d')`, 'string', [t(0)])
    case 'time':
      return fn((a) => `strftime(${a}, '%H:%M:%S.%g')`, 'string', [t(0)])
    case 'totaloffsetminutes':
      return fn((a) => `(CASE WHEN ${a} IS NOT NULL THEN CAST(0 AS DOUBLE) END)`, 'number', [t(0)])
    case 'round':
      return fn((a) => `round(${a})`, 'number', [n(0)])
    case 'floor':
      return fn((a) => `floor(${a})`, 'number', [n(0)])
    case 'ceiling':
      return fn((a) => `ceil(${a})`, 'number', [n(0)])
    case 'geo.distance': {
      const [a, b] = args as [Typed, Typed]
      if (a.type === 'point' && b.type === 'point')
        return typed(
          `sqrt(power(${a.sql}[1] - ${b.sql}[1], 2) + power(${a.sql}[2] - ${b.sql}[2], 2))`,
          'number',
        )
      throw new NoSqlTranslationError('geo.distance() in SQL needs two points')
    }
    default:
      throw new NoSqlTranslationError(`${name}() has no SQL translation`)
  }
}

/** Translates one expression (a `$filter` or an `$orderby` key). */
function exprToSql(expr: Expr, columns: ColumnMap, now: () => number, bind: Binder): Typed {
  const tr = (e: Expr): Typed => {
    switch (e.kind) {
      case 'literal':
        switch (e.type) {
          case 'string':
          case 'date':
            return param(bind, e.value, 'VARCHAR', 'string')
          case 'time':
            return param(bind, normaliseTime(e.value), 'VARCHAR', 'string')
          case 'number':
            return param(bind, e.value, 'DOUBLE', 'number')
          case 'boolean':
            return typed(e.value ? 'TRUE' : 'FALSE', 'boolean')
          case 'null':
            return NULL
          case 'datetime':
            return param(bind, e.value, 'TIMESTAMPTZ', 'time')
          case 'duration':
            return { sql: `to_milliseconds(${bind(durationMs(e.value), 'BIGINT')})`, type: 'duration' }
          case 'geometry':
            if (e.value.type !== 'Point')
              throw new NoSqlTranslationError(`${e.value.type} literals have no SQL translation`)
            return {
              sql: `[${bind(e.value.coordinates[0] ?? 0, 'DOUBLE')}, ${bind(e.value.coordinates[1] ?? 0, 'DOUBLE')}]`,
              type: 'point',
            }
        }
        break
      case 'property': {
        const c = columns(e.path)
        if (!c) throw new UnsupportedQueryError(`unknown property ${e.path.join('/')}`)
        return c
      }
      case 'not': {
        const v = as(tr(e.operand), 'boolean')
        return v ? typed(`(NOT ${v.sql})`, 'boolean') : typed('CAST(NULL AS BOOLEAN)', 'boolean')
      }
      case 'negate': {
        const v = tr(e.operand)
        const num = as(v, 'number')
        if (num) return typed(`(-${num.sql})`, 'number')
        return v.type === 'duration' ? typed(`(-${v.sql})`, 'duration') : NULL
      }
      case 'call':
        return call(e.name, e.args.map(tr), now, bind)
      case 'binary': {
        const a = tr(e.left)
        const b = tr(e.right)
        switch (e.op) {
          case 'and':
          case 'or':
            return logical(e.op, a, b)
          case 'add':
          case 'sub':
          case 'mul':
          case 'div':
          case 'mod':
            return arithmetic(e.op, a, b)
          default:
            return comparison(e.op, a, b)
        }
      }
    }
    throw new UnsupportedQueryError('unknown expression')
  }
  return tr(expr)
}

export type TranslateOptions = {
  now?: () => number
  /** Number of the first parameter ($n): the statement's own parameters come before it. */
  firstParam?: number
}

/** Placeholders as bound: `$p<index>`, numbered for DuckDB once the SQL is complete. */
function binder(): { bind: Binder; finish: (sql: string, first: number) => SqlFragment } {
  const values: DuckDBValue[] = []
  return {
    bind: (value, sqlType) => {
      // numbers as text: the binding would make a whole JS number (1e30) an INT64 and overflow
      values.push(typeof value === 'number' ? String(value) : value)
      return `CAST($p${values.length - 1} AS ${sqlType})`
    },
    // a literal may have been dropped (a function given an argument of another type): number only what is used
    finish: (sql, first) => {
      const used = [...new Set([...sql.matchAll(/\$p(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b)
      const number = new Map(used.map((old, i) => [old, first + i]))
      return {
        sql: sql.replace(/\$p(\d+)/g, (_, old: string) => `$${number.get(Number(old))}`),
        params: used.map((old) => values[old]!),
      }
    },
  }
}

/** A WHERE condition with numbered parameters: only rows for which the filter is true. */
export function filterToSql(expr: Expr, columns: ColumnMap, opts: TranslateOptions = {}): SqlFragment {
  const { bind, finish } = binder()
  const b = as(exprToSql(expr, columns, opts.now ?? Date.now, bind), 'boolean')
  return finish(b ? `(${b.sql}) IS TRUE` : 'FALSE', opts.firstParam ?? 1)
}

/**
 * An ORDER BY list with numbered parameters; nulls last in both directions (DuckDB's default, and the
 * evaluator's). Empty when no key depends on the row.
 */
export function orderByToSql(
  orderBy: readonly OrderBy[],
  columns: ColumnMap,
  opts: TranslateOptions = {},
): SqlFragment {
  const { bind, finish } = binder()
  const parts = orderBy.flatMap((o) => {
    const t = exprToSql(o.expr, columns, opts.now ?? Date.now, bind)
    // a key that is one literal (`$orderby=null`, `name add name`) orders nothing, and DuckDB refuses it
    if (/^(NULL|TRUE|FALSE)$/.test(t.sql)) return []
    const key = t.type === 'json' ? `json_extract_string(${t.sql}, '$')` : t.sql
    return [`${key} ${o.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`]
  })
  return finish(parts.join(', '), opts.firstParam ?? 1)
}
