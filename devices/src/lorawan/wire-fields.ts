import { z } from 'zod'
import { decodeBase64 } from './base64.ts'

/**
 * zod schemas for the fields both network servers share, each normalising as it validates.
 * Zero values are omitted from both servers' JSON (protobuf JSON mapping), so `fCnt`/`fPort`
 * fields are optional and an absent one means 0.
 */

/** A DevEUI (EUI-64): 16 hex digits; TTS writes upper case, ChirpStack lower. Normalised to lower case. */
export const DevEui = z
  .string()
  .regex(/^[0-9A-Fa-f]{16}$/, 'a DevEUI is 16 hex digits')
  .transform((s) => s.toLowerCase())

/** A `bytes` field: base64 text → bytes. */
export const Base64Bytes = z.string().transform((text, ctx) => {
  const bytes = decodeBase64(text)
  if (bytes) return bytes
  ctx.addIssue({ code: 'custom', message: 'not base64' })
  return z.NEVER
})

/**
 * An RFC 3339 instant with any number of fraction digits and `Z` or `±hh:mm` (ChirpStack writes
 * nanoseconds and `+00:00`) → `toISOString()` (milliseconds, UTC). Calendar dates are checked by zod.
 */
export const Instant = z.iso.datetime({ offset: true }).transform((text) => {
  const millis = text.replace(/(\.\d{3})\d+/, '$1')
  return new Date(Date.parse(millis)).toISOString()
})

/** LoRaWAN FCnt: a 32-bit counter (the network server reports the full counter, not the 16 bits on air). */
export const FCnt = z.number().int().min(0).max(0xffff_ffff)

/** LoRaWAN FPort: 0 for MAC commands only, 1–223 application, 224 test, 225–255 reserved. */
export const FPort = z.number().int().min(0).max(255)

/**
 * A payload decoded by the server's codec (a `google.protobuf.Struct`): any JSON object. Checked with
 * a predicate so the object passes on untouched (no copy that could drop keys); its content is the
 * device kind's business, after the privacy check.
 */
export const DecodedObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'a decoded payload must be a JSON object',
)
