import { z } from 'zod'
import { TimeSeriesEnv } from '@urbantwin/store'
import { OpenDataLicence, defaultOpenData } from '@urbantwin/api'
import { MqttEnv } from './config-mqtt.ts'

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

/** Every setting of `npm start`; `.env.example` and the README table are generated from these descriptions. */
export const Env = z.object({
  HTTP_PORT: port(8080).describe(
    'HTTP port of the API, the viewer, Node-RED (/flows) and MQTT over WebSocket (/mqtt); 0 picks a free port',
  ),
  MQTT_PORT: port(1883).describe('MQTT TCP listener; 0 picks a free port'),
  BIND_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface to listen on; 0.0.0.0 accepts devices from the network'),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/, 'an http(s) URL: scheme, host and an optional path')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional()
    .describe(
      'Address clients reach the platform at (behind a reverse proxy, its public URL), for @iot.selfLink in SensorThings MQTT messages; default http://<BIND_HOST>:<HTTP_PORT>',
    ),
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .describe('Where the embedded DuckDB store, Node-RED flows and generated secrets live'),
  LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
    .default('info')
    .describe('pino log level'),
  SIM_CONTAINERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(40)
    .describe('Simulated used-clothing containers at real AWM sites; 0 = none'),
  SIM_ACCESS_POINTS: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(20)
    .describe('Simulated M-WLAN access points at real sites; 0 = none'),
  SIM_SURVEYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(171)
    .default(5)
    .describe('Simulated hotspot micro-surveys (hourly answer counts by gender); 0 = none'),
  SIM_SPEED: z.coerce
    .number()
    .min(1)
    .max(1_000_000)
    .default(720)
    .describe('Simulated seconds per real second (720: an hour of city life every 5 s)'),
  SIM_MODE: z
    .enum(['native', 'tts', 'chirpstack'])
    .default('native')
    .describe('How simulated devices publish: native topics or LoRaWAN network-server envelopes'),
  SIM_SEED: z.coerce
    .number()
    .int()
    .default(1)
    .describe('Seed of the simulated city (same seed, same fleet and readings)'),
  PRIVACY_MIN_CELL: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(10)
    .describe(
      'Smallest count of people published in gender-disaggregated results (k of small-cell suppression); operator keys see all',
    ),
  STATISTICS_IMPORT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(
      "Import the shipped City of Munich statistics (districts, population by sex, the Indikatorenatlas' sex-disaggregated indicators) on the first start and when they change",
    ),
  STATISTICS_DERIVE_EVERY_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(15)
    .describe(
      'How often residents per WLAN access point and per used-clothing container are computed again for each district (they also follow registered and moved devices within seconds); 0 = only then',
    ),
  WAL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_000_000)
    .default(1024 ** 3)
    .describe(
      'Disk bound of the write-ahead log; when reached, publishes are refused (nothing acknowledged is lost)',
    ),
  WAL_SEGMENT_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * 1024 ** 2)
    .describe('Size of one WAL segment file; segments behind the checkpoint are deleted'),
  STORE_DUCKDB_THREADS: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(1)
    .describe(
      "DuckDB's worker threads for the embedded store. With 1, each statement runs on the thread that issued it and concurrent API reads and ingest writes share the cores (on 2 cores: 24 h of one Datastream under ingest p99 27 ms against 46–52 with one thread per core); more speed up single large queries",
    ),
  STORE_COMPACT_EVERY_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(1)
    .describe(
      'How often the embedded store moves Observations into its archive, sorted by Datastream: those of past days (UTC), or nearly all once STORE_COMPACT_MIN_ROWS wait; 0 = never',
    ),
  STORE_COMPACT_MIN_ROWS: z.coerce
    .number()
    .int()
    .min(0)
    .default(500_000)
    .describe(
      'Recent Observations from which compaction moves all but the last 10 seconds without waiting for the day to end (reads of one Datastream scan the recent ones); 0 = only past days',
    ),
  WAL_GROUP_COMMIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .default(2)
    .describe('Group commit window: publishes arriving within it share one fsync'),
  WAL_FSYNC: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(
      'fsync the WAL before acknowledging; false only for benchmarks (a crash can lose acknowledged readings)',
    ),
  WAL_COMMIT_LAG_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .optional()
    .describe(
      'How long stored records stay in the WAL before the checkpoint passes them (default 0 for duckdb, 60000 for a TSDB that acknowledges before fsync)',
    ),
  INGEST_GATHER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(100)
    .describe(
      'Ingest stores a batch that is not full at most this often, so that a steady stream makes fewer, larger store writes; a reading becomes queryable up to this much later',
    ),
  ...TimeSeriesEnv.shape,
  API_MAX_TOP: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Largest $top a SensorThings client may ask for'),
  API_MAX_EXPAND_DEPTH: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(4)
    .describe('Deepest nesting of $expand (0 = no $expand)'),
  API_ANONYMOUS_READ: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe(
      'Open data (GET under /v1.1 and /api/layers) readable without an API key; false = a reader key or better is needed',
    ),
  API_MAX_BODY: z
    .string()
    .regex(/^\d+(?:b|kb|mb)?$/i, 'a size like 1048576, 512kb or 1mb')
    .default('1mb')
    .describe('Largest request body (bytes, or kb/mb); larger ones are answered 413'),
  API_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(30_000)
    .describe('A request without an answer after this long gets 503 with Retry-After; 0 = no deadline'),
  API_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(600)
    .describe('Requests per minute from one client address without an API key (429 beyond); 0 = unlimited'),
  API_RATE_LIMIT_KEY_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .default(12_000)
    .describe('Requests per minute with one API key (429 beyond); 0 = unlimited'),
  API_CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((v, ctx): '*' | string[] => {
      if (v.trim() === '*') return '*'
      const origins = v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
      for (const o of origins)
        if (!/^https?:\/\/[^/\s]+$/.test(o)) ctx.addIssue({ code: 'custom', message: `not an origin: ${o}` })
      return origins
    })
    .describe(
      'Web origins allowed to call the API from a browser: * (any) or a comma list of origins (scheme://host[:port]); empty = none',
    ),
  OPEN_DATA_PUBLISHER: z
    .string()
    .min(1)
    .default('Urban Data Platform')
    .describe('Publisher named in the open-data exports and the DCAT catalogue (e.g. the city)'),
  OPEN_DATA_ATTRIBUTION: z
    .string()
    .min(1)
    .optional()
    .describe('Attribution users of the open data must show; default "UrbanTwin – <OPEN_DATA_PUBLISHER>"'),
  OPEN_DATA_LICENCE_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Licence of the open data, short id; default dl-de/by-2-0 (set name, URL and IRI with it)'),
  OPEN_DATA_LICENCE_NAME: z.string().min(1).optional().describe('Licence title'),
  OPEN_DATA_LICENCE_URL: z
    .url()
    .optional()
    .describe('Licence text for people (the exports\' Link rel="license")'),
  OPEN_DATA_LICENCE_URI: z.url().optional().describe('Licence IRI for dct:license in the DCAT catalogue'),
  OPEN_DATA_CONTACT_EMAIL: z.email().optional().describe('Contact for the open data, in the DCAT catalogue'),
  API_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx): boolean | number | string => {
      if (v === 'true' || v === 'false') return v === 'true'
      if (/^\d+$/.test(v)) return Number(v)
      if (!/^[\w.:/-]+(?:\s*,\s*[\w.:/-]+)*$/.test(v))
        ctx.addIssue({
          code: 'custom',
          message: 'true, false, a hop count or a comma list of proxy addresses',
        })
      return v
    })
    .describe(
      'Express trust proxy behind a reverse proxy, for client addresses (rate limit): a hop count like 1, or proxy addresses/subnets like loopback,10.0.0.0/8; false = use the socket address',
    ),
  ...MqttEnv.shape,
})
export type Config = z.infer<typeof Env>

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const r = Env.safeParse(env)
  if (!r.success) throw new Error(`invalid environment:\n${z.prettifyError(r.error)}`)
  return r.data
}

/** `.env.example`: each variable with its description and default. */
export function envExample(): string {
  const lines = [
    '# UrbanTwin platform settings (npm start). Copy to .env and edit; every line is optional.',
    '',
  ]
  const defaults: Record<string, unknown> = Env.parse({})
  for (const [name, schema] of Object.entries(Env.shape)) {
    // a setting without a default stays commented out: `NAME=undefined` would be read as a value
    const value = defaults[name]
    lines.push(
      `# ${schema.description ?? ''}`,
      value === undefined ? `# ${name}=` : `${name}=${String(value)}`,
      '',
    )
  }
  return lines.join('\n')
}

/**
 * Licence, attribution and publisher of the open data from the settings: dl-de/by-2-0 unless an
 * `OPEN_DATA_LICENCE_ID` is given, which then needs its name, URL and IRI too.
 */
export function openDataOf(c: Config): OpenDataLicence {
  const d = defaultOpenData(c.OPEN_DATA_PUBLISHER)
  const licence = c.OPEN_DATA_LICENCE_ID
    ? {
        id: c.OPEN_DATA_LICENCE_ID,
        name: c.OPEN_DATA_LICENCE_NAME,
        url: c.OPEN_DATA_LICENCE_URL,
        uri: c.OPEN_DATA_LICENCE_URI,
      }
    : d.licence
  const r = OpenDataLicence.safeParse({
    ...d,
    licence,
    attribution: c.OPEN_DATA_ATTRIBUTION ?? d.attribution,
    ...(c.OPEN_DATA_CONTACT_EMAIL
      ? { contact: { name: c.OPEN_DATA_PUBLISHER, email: c.OPEN_DATA_CONTACT_EMAIL } }
      : {}),
  })
  if (!r.success)
    throw new Error(
      'OPEN_DATA_LICENCE_ID needs OPEN_DATA_LICENCE_NAME, OPEN_DATA_LICENCE_URL and OPEN_DATA_LICENCE_URI',
    )
  return r.data
}
