import { z } from 'zod'

const optional = (description: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .describe(description)

/**
 * Environment of the time-series backend. A plain object (no refinements), so a service can spread
 * `TimeSeriesEnv.shape` into its own env schema; `timeSeriesOptions` checks what depends on the backend.
 */
export const TimeSeriesEnv = z.object({
  TS_BACKEND: z
    .enum(['duckdb', 'victoriametrics', 'influxdb'])
    .default('duckdb')
    .describe(
      'Where numeric observations go: duckdb (embedded, same file as the registry), victoriametrics, or influxdb (2.x/3.x); strings and JSON always stay in DuckDB',
    ),
  TS_URL: optional(
    'Base URL of the time-series engine, e.g. http://127.0.0.1:8428 (VictoriaMetrics) or http://127.0.0.1:8086 (InfluxDB); required unless TS_BACKEND=duckdb',
  ),
  TS_TOKEN: optional(
    'InfluxDB API token (v2 write and v1 query); a Bearer token for VictoriaMetrics behind vmauth',
  ),
  TS_ORG: optional('InfluxDB 2.x organisation for writes (3.x ignores it)'),
  TS_BUCKET: z
    .string()
    .min(1)
    .default('urbantwin')
    .describe('InfluxDB bucket (2.x) or database (3.x) written through /api/v2/write'),
  TS_DATABASE: optional(
    'InfluxQL database for /query; defaults to TS_BUCKET (2.x maps it to the bucket by DBRP)',
  ),
  TS_USERNAME: optional(
    'Basic auth user: InfluxDB v1 /query (writes send user:password as token when TS_TOKEN is unset), VictoriaMetrics -httpAuth.*',
  ),
  TS_PASSWORD: optional('Password for TS_USERNAME'),
  TS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe(
      'Per-request timeout towards the time-series engine, in ms; a hung engine fails writes after this',
    ),
})
export type TimeSeriesEnv = z.infer<typeof TimeSeriesEnv>

export type TimeSeriesOptions =
  | { backend: 'duckdb' }
  | {
      backend: 'victoriametrics'
      url: string
      timeoutMs: number
      token?: string
      username?: string
      password?: string
    }
  | {
      backend: 'influxdb'
      url: string
      timeoutMs: number
      bucket: string
      database?: string
      token?: string
      org?: string
      username?: string
      password?: string
    }

/** Options for `openStore`; throws with the variable's name when a required one is missing. */
export function timeSeriesOptions(env: TimeSeriesEnv): TimeSeriesOptions {
  if (env.TS_BACKEND === 'duckdb') return { backend: 'duckdb' }
  if (env.TS_URL === undefined) throw new Error(`TS_URL is required when TS_BACKEND=${env.TS_BACKEND}`)
  if (!URL.canParse(env.TS_URL)) throw new Error(`TS_URL is not a URL: ${env.TS_URL}`)
  const common = {
    url: env.TS_URL,
    timeoutMs: env.TS_TIMEOUT_MS,
    ...(env.TS_TOKEN === undefined ? {} : { token: env.TS_TOKEN }),
    ...(env.TS_USERNAME === undefined ? {} : { username: env.TS_USERNAME, password: env.TS_PASSWORD ?? '' }),
  }
  if (env.TS_BACKEND === 'victoriametrics') return { backend: 'victoriametrics', ...common }
  return {
    backend: 'influxdb',
    ...common,
    bucket: env.TS_BUCKET,
    ...(env.TS_DATABASE === undefined ? {} : { database: env.TS_DATABASE }),
    ...(env.TS_ORG === undefined ? {} : { org: env.TS_ORG }),
  }
}
