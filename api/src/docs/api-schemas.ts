import { z } from 'zod'
import { ContainerFeature, ContainerLayer, GeoJsonPoint, Id } from '@urbantwin/model'
import { GenderDataGapReport } from '../routes/gender-data-gap.ts'
import type { QuarantinedMessage as QuarantinedRecord } from '@urbantwin/store'
import type { ErrorCode } from '../http/errors.ts'
import { RegisteredDevice } from '../routes/devices.ts'
import {
  IssuedMqttLogin,
  MqttAccountInfo,
  NewMqttAccount,
  RevokedMqttLogin,
} from '../routes/mqtt-accounts.ts'
import { OpenDataLicence } from '../sta/export/licence.ts'

/**
 * Answers of the API outside SensorThings' entity JSON, as zod schemas for the documents
 * (docs/openapi.ts). Where a TypeScript type already describes a shape, the schema is checked against
 * it, so the two cannot drift apart unnoticed.
 */

const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
  'NOT_IMPLEMENTED',
] as const satisfies readonly ErrorCode[]
// every code of http/errors.ts is listed: a new one fails the typecheck here
const _allCodes: Exclude<ErrorCode, (typeof ERROR_CODES)[number]> extends never ? true : never = true

/** The one error body of the API (http/errors.ts). */
export const ErrorBody = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string().describe('What went wrong, for people'),
  details: z
    .unknown()
    .optional()
    .describe('e.g. the issues of a refused body ({path, message}), or the existing entity of a 409'),
})

const QuarantinedMessage = z.object({
  id: Id,
  walSeq: z.number().int().nullable().describe('The write-ahead-log record it came from'),
  receivedAt: z.string(),
  quarantinedAt: z.string(),
  topic: z.string(),
  clientId: z.string().nullable(),
  category: z.string().describe('e.g. bad-json, schema, unknown-device, privacy, clock, envelope, other'),
  reason: z.string(),
  payloadBase64: z
    .string()
    .nullable()
    .describe('The refused payload, size-capped; null when keeping it would keep what was refused'),
  payloadBytes: z.number().int().min(0),
}) satisfies z.ZodType<QuarantinedRecord>

/** `$resultFormat=GeoJSON` on Things and Locations (sta/export/geojson.ts). */
const GeoJsonExport = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: Id,
      geometry: z
        .union([
          GeoJsonPoint,
          z.object({ type: z.literal('GeometryCollection'), geometries: z.array(GeoJsonPoint) }),
        ])
        .nullable(),
      properties: z.record(z.string(), z.unknown()),
    }),
  ),
  links: z.array(z.object({ href: z.url(), rel: z.string(), type: z.string() })),
  numberMatched: z.number().int().min(0).optional(),
  numberReturned: z.number().int().min(0),
  license: OpenDataLicence.shape.licence.pick({ id: true, name: true, url: true }),
  attribution: z.string(),
})

/** Response schemas of the API outside the SensorThings entities, by component name. */
export function apiSchemas(): Record<string, z.ZodType> {
  return {
    Error: ErrorBody,
    RegisteredDevice,
    MqttAccountInfo,
    MqttAccountList: z.object({ value: z.array(MqttAccountInfo) }),
    NewMqttAccount,
    IssuedMqttLogin,
    RevokedMqttLogin,
    ContainerLayer,
    ContainerFeature,
    GenderDataGapReport,
    QuarantinedMessage,
    QuarantinePage: z.object({ count: z.number().int().min(0), value: z.array(QuarantinedMessage) }),
    QuarantineCounts: z.object({
      total: z.number().int().min(0),
      byCategory: z.record(z.string(), z.number().int().min(0)),
    }),
    Health: z.looseObject({ status: z.literal('ok') }).describe('Liveness, and what the platform adds'),
    Ready: z.object({
      status: z.enum(['ready', 'not ready']),
      checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
    }),
    GeoJsonExport,
    Catalogue: z
      .looseObject({ '@context': z.unknown(), '@id': z.string(), '@type': z.literal('dcat:Catalog') })
      .describe('DCAT-AP(.de) catalogue as JSON-LD: one dcat:Dataset per Datastream'),
    AnyJson: z.unknown().describe('Any JSON value'),
  }
}
