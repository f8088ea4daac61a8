/**
 * SensorThings API v1.1 query options (OGC 18-088, 9.3) as data: the API parses `$filter`, `$orderby`,
 * `$select` and `$expand` into these trees, and each store adapter translates them into its own query
 * language. No adapter ever sees the query text.
 */

/** A GeoJSON geometry from a `geography'…'` literal (WKT in the URL). */
export type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'LineString'; coordinates: number[][] }
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPoint'; coordinates: number[][] }
  | { type: 'MultiLineString'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] }

export type Literal =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null'; value: null }
  /** ISO 8601 in UTC, e.g. 2026-11-23T08:00:00.000Z. */
  | { kind: 'literal'; type: 'datetime'; value: string }
  /** YYYY-MM-DD */
  | { kind: 'literal'; type: 'date'; value: string }
  /** hh:mm[:ss[.fff]] */
  | { kind: 'literal'; type: 'time'; value: string }
  /** ISO 8601 duration with days, hours, minutes, seconds: P1DT2H30M */
  | { kind: 'literal'; type: 'duration'; value: string }
  | { kind: 'literal'; type: 'geometry'; value: Geometry }

export const COMPARISON_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const
export const LOGICAL_OPERATORS = ['and', 'or'] as const
export const ARITHMETIC_OPERATORS = ['add', 'sub', 'mul', 'div', 'mod'] as const
export type BinaryOperator =
  | (typeof COMPARISON_OPERATORS)[number]
  | (typeof LOGICAL_OPERATORS)[number]
  | (typeof ARITHMETIC_OPERATORS)[number]

/**
 * The built-in functions of SensorThings API v1.1 (Table 9.3.3.5.2) with the number of arguments
 * each takes, plus OData 4.0's `contains`, which FROST-Server clients use as well.
 */
export const FUNCTIONS = {
  // string
  substringof: [2],
  contains: [2],
  endswith: [2],
  startswith: [2],
  length: [1],
  indexof: [2],
  substring: [2, 3],
  tolower: [1],
  toupper: [1],
  trim: [1],
  concat: [2],
  // date and time
  year: [1],
  month: [1],
  day: [1],
  hour: [1],
  minute: [1],
  second: [1],
  fractionalseconds: [1],
  date: [1],
  time: [1],
  totaloffsetminutes: [1],
  now: [0],
  mindatetime: [0],
  maxdatetime: [0],
  // math
  round: [1],
  floor: [1],
  ceiling: [1],
  // geospatial
  'geo.distance': [2],
  'geo.length': [1],
  'geo.intersects': [2],
  // spatial relationships
  st_equals: [2],
  st_disjoint: [2],
  st_touches: [2],
  st_within: [2],
  st_overlaps: [2],
  st_crosses: [2],
  st_intersects: [2],
  st_contains: [2],
  st_relate: [3],
} as const satisfies Record<string, readonly number[]>
export type FunctionName = keyof typeof FUNCTIONS

export type Expr =
  | Literal
  /** A property, or one reached through navigation: `Thing/properties/owner`. */
  | { kind: 'property'; path: string[] }
  | { kind: 'call'; name: FunctionName; args: Expr[] }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'negate'; operand: Expr }

export type OrderBy = { expr: Expr; direction: 'asc' | 'desc' }

/** `$expand=Datastreams/Observations($top=1;$orderby=phenomenonTime desc)` */
export type ExpandItem = { path: string[]; query: EntityQuery }

/** The query options of one request, or of one level of `$expand`. */
export type EntityQuery = {
  filter?: Expr
  orderBy?: OrderBy[]
  /** Property paths; absent means all properties. */
  select?: string[][]
  expand?: ExpandItem[]
  top?: number
  skip?: number
  count?: boolean
}
