import { createRequire } from 'node:module'
import { ApiRole, can, type Permission } from '../http/permissions.ts'
import { DeviceRegistration } from '../routes/devices.ts'
import type { OpenDataLicence } from '../sta/export/licence.ts'
import { CreateObservationsBody, ObservationBody, ObservationPatchBody } from '../sta/write/observations.ts'
import { BatchRequest, BatchResponse } from '../routes/batch.ts'
import { apiSchemas } from './api-schemas.ts'
import { componentSchemas } from './json-schema.ts'
import type { Access, Content, Operation } from './operations.ts'
import { idParameter, queryParameters } from './parameters.ts'
import { allOperations } from './sta-operations.ts'
import { staPatchSchemas, staPostSchemas, staSchemas } from './sta-schemas.ts'

export type OpenApiOptions = {
  /** Whether open data is readable without a key (`API_ANONYMOUS_READ`). */
  anonymousRead: boolean
  maxTop: number
  maxExpandDepth: number
  /** Licence and attribution of the published data. */
  openData: OpenDataLicence
  /** Whether `GET /metrics` is served (createApp got `metrics`). */
  metrics: boolean
  /** k of small-cell suppression (PRIVACY_MIN_CELL); default 10. */
  minCell?: number
}

type Json = Record<string, unknown>

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
const SCHEMAS = '#/components/schemas/'
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` })

const ERRORS: Record<number, { name: string; description: string; headers?: string[] }> = {
  400: { name: 'BadRequest', description: 'A bad query option, id or body; the message says which' },
  401: {
    name: 'Unauthorized',
    description: 'No API key where one is needed, or a malformed one',
    headers: ['WWW-Authenticate'],
  },
  403: {
    name: 'Forbidden',
    description: 'The key is unknown, revoked or expired, or its role lacks the permission',
  },
  404: { name: 'NotFound', description: 'No such entity' },
  409: {
    name: 'Conflict',
    description:
      'Conflicts with what exists: the Datastream already has an Observation at this phenomenonTime ' +
      '(`details` carry its @iot.selfLink), or the store refuses a deletion',
  },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than API_MAX_BODY' },
  415: { name: 'UnsupportedMediaType', description: 'Writes must be application/json' },
  429: {
    name: 'TooManyRequests',
    description: 'Rate limit reached (per key, or per address without one)',
    headers: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
  },
  501: {
    name: 'NotImplemented',
    description: 'The store cannot do this (e.g. delete from a time-series engine)',
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'No answer within API_REQUEST_TIMEOUT_MS',
    headers: ['Retry-After'],
  },
}

const HEADERS: Record<string, string> = {
  Location: 'Address of the created entity',
  Link: 'Exports and catalogue: `<licence>; rel="license"`; CSV also `<next page>; rel="next"`',
  'X-Attribution': 'Attribution the data’s licence asks for (percent-encoded UTF-8)',
  'X-Total-Count': 'CSV export with $count=true: all matching entities',
  'WWW-Authenticate': '`Bearer realm="urbantwin"`',
  'Retry-After': 'Seconds to wait',
  RateLimit: 'Requests left in the window (IETF draft)',
  'RateLimit-Policy': 'The limit and its window (IETF draft)',
}

function accessOf(access: Access, anonymousRead: boolean): { permission: Permission | null; text: string } {
  if (access === 'public')
    return { permission: null, text: 'Public: no API key, answered before keys are checked.' }
  if (access === 'open' && anonymousRead)
    return { permission: null, text: 'Open data: no key needed (a key sent anyway must be valid).' }
  const permission: Permission = access === 'open' ? 'read' : access
  const roles = ApiRole.options.filter((r) => can(r, permission))
  return {
    permission,
    text: `Needs an API key with the permission \`${permission}\` (roles: ${roles.join(', ')}).`,
  }
}

function security(access: Access, anonymousRead: boolean): Json[] {
  if (access === 'public') return []
  const { permission } = accessOf(access, anonymousRead)
  if (!permission) return [{}, { bearerAuth: [] }, { apiKeyHeader: [] }]
  // OpenAPI 3.1 4.8.30: for schemes other than OAuth2/OIDC the list may hold the role names required
  const roles = ApiRole.options.filter((r) => can(r, permission))
  return [{ bearerAuth: roles }, { apiKeyHeader: roles }]
}

const media = (content: Content): Json =>
  Object.fromEntries(
    Object.entries(content).map(([type, names]) => {
      if (names === null) return [type, { schema: { type: 'string' } }]
      const [only] = names
      const schema =
        names.length === 1 && only
          ? { $ref: `${SCHEMAS}${only}` }
          : { oneOf: names.map((n) => ({ $ref: `${SCHEMAS}${n}` })) }
      return [type, { schema }]
    }),
  )

const operationId = (o: Operation) =>
  o.method +
  o.path
    .replace(/^\/v1\.1/, '/Sta')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')

function operation(o: Operation, anonymousRead: boolean): Json {
  const parameters: Json[] = []
  if (o.path.includes('{id}')) parameters.push(ref('parameters', 'id'))
  if (o.properties)
    parameters.push({
      name: 'property',
      in: 'path',
      required: true,
      description: 'A property name of the entity',
      schema: { type: 'string', enum: [...o.properties] },
    })
  for (const [, name] of o.path.matchAll(/\{(\w+)\}/g))
    if (name !== 'id' && name !== 'property')
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } })
  for (const q of o.query ?? []) parameters.push(ref('parameters', q))
  const errors = new Set<number>([503, ...(o.errors ?? [])])
  if (o.access !== 'public') [401, 403, 429].forEach((s) => errors.add(s))
  if (parameters.length > 0 || o.body) errors.add(400)
  if (o.path.includes('{')) errors.add(404)
  if (o.body) [413, 415].forEach((s) => errors.add(s))
  const responses: Json = {
    [o.ok.status]: {
      description: o.ok.description,
      ...(o.ok.headers
        ? { headers: Object.fromEntries(o.ok.headers.map((h) => [h, ref('headers', h)])) }
        : {}),
      ...(o.ok.content ? { content: media(o.ok.content) } : {}),
    },
  }
  if (o.path.endsWith('/$value')) responses[204] = { description: 'The property is null or absent' }
  for (const status of [...errors].sort((a, b) => a - b))
    responses[status] = ref('responses', ERRORS[status]!.name)
  const access = accessOf(o.access, anonymousRead)
  return {
    operationId: operationId(o),
    tags: [o.tag],
    summary: o.summary,
    description: [o.description, access.text].filter(Boolean).join('\n\n'),
    ...(access.permission ? { 'x-permission': access.permission } : {}),
    security: security(o.access, anonymousRead),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(o.body
      ? {
          requestBody: {
            required: true,
            description: o.body.description,
            content: { 'application/json': { schema: { $ref: `${SCHEMAS}${o.body.schema}` } } },
          },
        }
      : {}),
    responses,
  }
}

function description(opts: OpenApiOptions): string {
  const { licence, attribution } = opts.openData
  return [
    'The HTTP API of UrbanTwin, an open, self-hosted Urban Data Platform: the OGC SensorThings API v1.1 ' +
      '(OGC 18-088) with open-data exports and server-side aggregation, map layers and operator endpoints. ' +
      'The MQTT topics are described by the AsyncAPI document at `/api/asyncapi.json` (readable at `/docs/mqtt`).',
    '**Keys.** Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Roles: `admin` (everything), ' +
      '`operator` (register devices, quarantine, metrics, write, read), `device` (create Observations only), ' +
      `\`reader\` (read). Open data is ${opts.anonymousRead ? 'readable without a key' : 'readable only with a key (`read`)'} on this server.`,
    `**Limits.** \`$top\` at most ${opts.maxTop} (default 100), \`$expand\` at most ${opts.maxExpandDepth} deep; ` +
      'bodies up to API_MAX_BODY (413), writes only as application/json (415), rate limits answer 429, ' +
      'a request without an answer in time gets 503. Errors are always JSON: `{"code": "BAD_REQUEST", "message": "…"}`.',
    `**Data licence.** The data is published under ${licence.name} (\`${licence.id}\`, ${licence.url}); ` +
      `attribution: “${attribution}”. Data with its own licence (imported statistics, what the platform derives ` +
      'from them: `properties.license`, `properties.attribution`) names it in the `Link` (rel="license") and ' +
      '`X-Attribution` headers of every response of its (Multi)Datastream and in exports. The software is MIT-licensed.',
    '**Gender-disaggregated data.** A (Multi)Datastream with `properties.disaggregation` (dimensions, gender ' +
      'categories female/male/diverse/unspecified, source, provenance, what each result element counts) is ' +
      `published with small-cell suppression: counts below k = ${opts.minCell ?? 10} (PRIVACY_MIN_CELL) are null, ` +
      'and so are as many others as keep them from being worked out through totals; the Observation says so in ' +
      '`parameters.suppressed`. Its results cannot be filtered, ordered or aggregated publicly (400). Keys with ' +
      'the permission `read:unsuppressed` (operator, admin) see the stored numbers. `properties.derivation` marks ' +
      'what the platform computes (share of women, gender gaps, residents per device); `GET /api/gender-data-gap` ' +
      'lists which published streams are disaggregated by gender.',
  ].join('\n\n')
}

/** The OpenAPI 3.1 document of the API, from the operation table and the zod schemas. */
export function openApiDocument(opts: OpenApiOptions): Json {
  const responses = componentSchemas(
    { ...staSchemas(), ...apiSchemas() },
    {
      io: 'output',
      target: 'draft-2020-12',
      refBase: SCHEMAS,
    },
  )
  const requests = componentSchemas(
    {
      ObservationBody,
      ObservationPatch: ObservationPatchBody,
      CreateObservationsBody,
      BatchRequest,
      BatchResponse,
      DeviceRegistration,
      ...staPatchSchemas(),
      ...staPostSchemas(),
    },
    {
      io: 'input',
      target: 'draft-2020-12',
      refBase: SCHEMAS,
    },
  )
  for (const name of Object.keys(requests))
    if (name in responses) throw new Error(`two component schemas are named ${name}`)
  const paths: Record<string, Json> = {}
  const ops = allOperations(opts)
  for (const o of ops) (paths[o.path] ??= {})[o.method] = operation(o, opts.anonymousRead)
  return {
    openapi: '3.1.1',
    info: {
      title: 'UrbanTwin Urban Data Platform API',
      version,
      summary: 'OGC SensorThings API v1.1, open-data exports, map layers and operator endpoints',
      description: description(opts),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This platform' }],
    tags: [...new Set(ops.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...responses, ...requests },
      parameters: { id: idParameter(), ...queryParameters(opts) },
      headers: Object.fromEntries(
        Object.entries(HEADERS).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
      ),
      responses: Object.fromEntries(
        Object.values(ERRORS).map((e) => [
          e.name,
          {
            description: e.description,
            ...(e.headers
              ? { headers: Object.fromEntries(e.headers.map((h) => [h, ref('headers', h)])) }
              : {}),
            content: { 'application/json': { schema: { $ref: `${SCHEMAS}Error` } } },
          },
        ]),
      ),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key of the platform: `Authorization: Bearer ut_<id>_<secret>`',
        },
        apiKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'The same key as a header',
        },
      },
    },
  }
}
