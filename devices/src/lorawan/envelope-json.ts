import type { z } from 'zod'
import { fail, ok, type Outcome } from '@urbantwin/model'
import { parseJsonBytes } from '../json-payload.ts'

/**
 * Network-server envelopes are larger than our native payloads (gateway metadata for every antenna
 * that heard the frame), so they get their own limit instead of `parseJsonBytes`' 16 KiB.
 */
export const MAX_ENVELOPE_BYTES = 64 * 1024

/** A reason is for an operator's log line: the first few issues say enough. */
const MAX_ISSUES = 5

/** Envelope bytes → JSON checked by `schema`; every reason names the server. Never throws. */
export function parseEnvelope<T>(payload: Uint8Array, schema: z.ZodType<T>, server: string): Outcome<T> {
  const json = parseJsonBytes(payload, MAX_ENVELOPE_BYTES)
  if (!json.ok) return fail(`${server} envelope: ${json.reason}`)
  const parsed = schema.safeParse(json.value)
  if (parsed.success) return ok(parsed.data)
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : ''
  return fail(
    `${server} envelope does not match its format: ${issues.slice(0, MAX_ISSUES).join('; ')}${more}`,
  )
}
