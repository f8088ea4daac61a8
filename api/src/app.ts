import compression from 'compression'
import express, { type Express } from 'express'
import { DEFAULT_MIN_CELL, type Logger, type ObservationRecord } from '@urbantwin/model'
import type { OpenDataLicence } from './sta/export/licence.ts'
import type { Store } from '@urbantwin/store'
import { errorHandler, notFound } from './http/errors.ts'
import {
  authenticate,
  principalOf,
  rejectRefusedKey,
  requirePermission,
  staAccess,
  type ApiKeyVerifier,
} from './http/auth.ts'
import { jsonBody, requireJsonBody } from './http/body.ts'
import { corsPolicy } from './http/cors.ts'
import { deadline } from './http/deadline.ts'
import { rateLimiter, type RateLimits } from './http/rate-limit.ts'
import { staRouter } from './routes/sta.ts'
import { createSuppression } from './sta/privacy.ts'
import { can } from './http/permissions.ts'
import { layersRouter } from './routes/layers.ts'
import { devicesRouter, type DevicesDeps } from './routes/devices.ts'
import { genderDataGapRouter } from './routes/gender-data-gap.ts'
import { mqttAccountsRouter, type MqttAccountsDeps } from './routes/mqtt-accounts.ts'
import { quarantineRouter } from './routes/quarantine.ts'
import { docsRouter } from './routes/docs.ts'
import { batchHandler } from './routes/batch.ts'
import { openApiDocument } from './docs/openapi.ts'
import { asyncApiDocument, type UplinkKind } from './docs/asyncapi.ts'
import { defaultOpenData } from './sta/export/licence.ts'
import type { z } from 'zod'

/** Readiness of each part of the platform, by name: `ok`, and why not. */
export type Readiness = Record<string, { ok: boolean; detail?: string }>

const GAP_PATHS = ['/api/gender-data-gap', '/api/gender-data-gap.csv']

export type AppDeps = {
  store: Store
  log: Logger
  devices: DevicesDeps
  /** MQTT logins: list, create, rotate, revoke (`/api/mqtt/accounts`); not served without. */
  mqttAccounts?: MqttAccountsDeps
  /** Checks API keys (`Authorization: Bearer <key>` or `X-API-Key`), e.g. the platform's hashed key file. */
  auth: ApiKeyVerifier
  /** Largest `$top` a client may ask for. */
  maxTop?: number
  /** Deepest nesting of `$expand`. */
  maxExpandDepth?: number
  /** Licence and attribution of the open-data exports (see StaDeps). */
  openData?: OpenDataLicence
  /** Smallest count of people published in a gender-disaggregated result (k of small-cell suppression). */
  minCell?: number
  /** The domain of a device kind's streams, for the gender data gap report (e.g. `waste`). */
  kindDomain?: (kind: string) => string | undefined
  /** How long a computed gender data gap report is served (default 30 s). */
  genderDataGapTtlMs?: number
  /** Observations created through the API, for live feeds (see StaDeps). */
  onObservationsCreated?: (created: readonly ObservationRecord[]) => void
  /** Whether open data (GET under /v1.1 and /api/layers) may be read without a key. */
  anonymousRead?: boolean
  /** Largest request body: bytes, or a size like '1mb'. */
  maxBody?: number | string
  /** A request without an answer after this long gets a 503; 0 = no deadline. */
  requestTimeoutMs?: number
  /** Requests per window by key or address; a limit of 0 (the default) turns it off. */
  rateLimit?: Partial<RateLimits>
  /** Origins allowed by CORS: '*' or exact origins (scheme, host and port of a portal); [] = no CORS headers. */
  corsOrigins?: '*' | readonly string[]
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client address. */
  trustProxy?: boolean | number | string
  /** The clock that decides whether a key has expired. */
  now?: () => Date
  /** Extra handlers mounted before the 404 (e.g. the viewer's static files). */
  extra?: (app: Express) => void
  /** Prometheus exposition for `GET /metrics` (operator key). */
  metrics?: () => Promise<{ contentType: string; body: string }>
  /** Health facts reported at /api/health. */
  health?: () => Record<string, unknown> | Promise<Record<string, unknown>>
  /** Readiness at /api/ready: each part (broker, store, time series, WAL) and whether it can take work. */
  ready?: () => Promise<Readiness>
  /** What the MQTT document (/api/asyncapi.json, /docs/mqtt) describes beyond the API's own schemas. */
  docs?: {
    /** Device kinds whose uplink payloads are documented (`deviceKinds` of @urbantwin/devices). */
    deviceKinds?: Iterable<UplinkKind>
    /** LoRaWAN envelopes (`TtsUplinkMessage`, `ChirpstackUplinkEvent` of @urbantwin/devices). */
    lorawan?: { tts: z.ZodType; chirpstack: z.ZodType }
    /** The broker's MQTT TCP port (default 1883). */
    mqttPort?: number
  }
}

export const API_DEFAULTS = {
  maxTop: 1000,
  maxExpandDepth: 4,
  anonymousRead: true,
  maxBody: '1mb',
  requestTimeoutMs: 30_000,
  // off unless asked for: the platform's config (API_RATE_LIMIT_*) turns it on
  rateLimit: { windowMs: 60_000, anonymous: 0, perKey: 0 },
  corsOrigins: '*',
  trustProxy: false,
} as const satisfies Partial<AppDeps>

/** Paths answered by the API itself (the rest is `extra`, e.g. the viewer's files). */
const API_PATHS = ['/v1.1', '/api', '/metrics']

/** Builds the Urban Data Platform API; does not listen. */
export function createApp(deps: AppDeps): Express {
  const { log } = deps
  const maxTop = deps.maxTop ?? API_DEFAULTS.maxTop
  const anonymousRead = deps.anonymousRead ?? API_DEFAULTS.anonymousRead
  const timeoutMs = deps.requestTimeoutMs ?? API_DEFAULTS.requestTimeoutMs
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  app.set('trust proxy', deps.trustProxy ?? API_DEFAULTS.trustProxy)

  const cors = corsPolicy(deps.corsOrigins ?? API_DEFAULTS.corsOrigins)
  if (cors) app.use(cors)
  // gzip or deflate for clients that ask (Accept-Encoding), from 1 kB: the Masterportal answer over a
  // fleet is some 6 MB of JSON. zlib works on Node's thread pool; level 1 keeps that work small.
  app.use(compression({ level: 1, threshold: 1024 }))
  if (timeoutMs > 0) app.use(deadline(timeoutMs, log))
  // for probes: before keys and limits
  app.get('/api/health', async (_req, res) => {
    res.json({ status: 'ok', ...(await deps.health?.()) })
  })
  // 503 while a part cannot take work (a load balancer then sends clients elsewhere)
  app.get('/api/ready', async (_req, res) => {
    const checks = (await deps.ready?.()) ?? {}
    const ready = Object.values(checks).every((c) => c.ok)
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks })
  })
  // the documents and the reference pages are public and static, like the health check: before keys and limits
  const openData = deps.openData ?? defaultOpenData()
  app.use(
    docsRouter({
      openApi: () =>
        openApiDocument({
          anonymousRead,
          maxTop,
          maxExpandDepth: deps.maxExpandDepth ?? API_DEFAULTS.maxExpandDepth,
          openData,
          metrics: deps.metrics !== undefined,
          minCell: deps.minCell ?? DEFAULT_MIN_CELL,
        }),
      asyncApi: () =>
        asyncApiDocument({
          anonymousRead,
          deviceKinds: [...(deps.docs?.deviceKinds ?? [])],
          ...(deps.docs?.lorawan ? { lorawan: deps.docs.lorawan } : {}),
          mqttPort: deps.docs?.mqttPort ?? 1883,
          openData,
        }),
    }),
  )

  // who is asking, how often, and may they: all before a body is read
  app.use(API_PATHS, authenticate({ verifier: deps.auth, log, now: deps.now }))
  const limiter = rateLimiter({ ...API_DEFAULTS.rateLimit, ...deps.rateLimit }, log)
  if (limiter) app.use(API_PATHS, limiter)
  app.use(API_PATHS, rejectRefusedKey)
  app.use('/v1.1', staAccess({ anonymousRead }))
  if (!anonymousRead) app.use('/api/layers', requirePermission('read'))
  if (!anonymousRead) app.use(GAP_PATHS, requirePermission('read'))
  app.use('/api/devices', requirePermission('provision'))
  app.use('/api/mqtt/accounts', requirePermission('provision'))
  app.use('/api/quarantine', requirePermission('quarantine'))
  app.use('/metrics', requirePermission('metrics'))
  app.use(API_PATHS, requireJsonBody)
  app.use(jsonBody(deps.maxBody ?? API_DEFAULTS.maxBody))
  app.post('/v1.1/\\$batch', batchHandler())

  const sta = {
    maxTop,
    maxExpandDepth: deps.maxExpandDepth ?? API_DEFAULTS.maxExpandDepth,
    ...(deps.openData ? { openData: deps.openData } : {}),
    ...(deps.onObservationsCreated ? { onObservationsCreated: deps.onObservationsCreated } : {}),
    ...(deps.docs?.mqttPort ? { mqttPort: deps.docs.mqttPort } : {}),
  }
  // gender-disaggregated counts: suppressed for the public, as stored for operators
  const suppression = createSuppression(deps.store, { minCell: deps.minCell ?? DEFAULT_MIN_CELL })
  const publicSta = staRouter({ ...sta, store: suppression.publicStore })
  const unsuppressedSta = staRouter({ ...sta, store: deps.store })
  app.use('/v1.1', (req, res, next) => {
    const principal = principalOf(res)
    if (principal !== null && can(principal.role, 'read:unsuppressed')) unsuppressedSta(req, res, next)
    else next()
  })
  app.use('/v1.1', publicSta)
  app.use('/api/layers', layersRouter({ store: deps.store }))
  app.use(
    '/api',
    genderDataGapRouter({
      store: deps.store,
      ...(deps.kindDomain ? { kindDomain: deps.kindDomain } : {}),
      ...(deps.genderDataGapTtlMs === undefined ? {} : { ttlMs: deps.genderDataGapTtlMs }),
    }),
  )
  app.use('/api/devices', devicesRouter(deps.devices))
  if (deps.mqttAccounts) app.use('/api/mqtt/accounts', mqttAccountsRouter(deps.mqttAccounts))
  app.use('/api/quarantine', quarantineRouter({ store: deps.store, maxTop }))
  const metrics = deps.metrics
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      const m = await metrics()
      res.type(m.contentType).send(m.body)
    })
  }
  deps.extra?.(app)
  app.use(notFound)
  app.use(errorHandler(log))
  return app
}
