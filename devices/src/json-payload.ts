import type { z } from 'zod'
import { fail, ok, type Outcome } from '@urbantwin/model'

const decoder = new TextDecoder('utf-8', { fatal: true })
export const MAX_PAYLOAD_BYTES = 16 * 1024

/** UTF-8 JSON bytes → a JSON value, or a reason. Never throws. */
export function parseJsonBytes(payload: Uint8Array, maxBytes = MAX_PAYLOAD_BYTES): Outcome<unknown> {
  if (payload.byteLength > maxBytes) {
    return fail(`payload of ${payload.byteLength} bytes exceeds ${maxBytes}`)
  }
  let text: string
  try {
    text = decoder.decode(payload)
  } catch {
    return fail('payload is not valid UTF-8')
  }
  try {
    return ok(JSON.parse(text) as unknown)
  } catch {
    return fail('payload is not valid JSON')
  }
}

/** A JSON value checked by `schema`, or a reason naming each offending field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown): Outcome<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return ok(parsed.data)
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  return fail(`payload does not match the schema: ${issues.join('; ')}`)
}

/** UTF-8 JSON bytes checked by `schema`. */
export function parseJsonPayload<T>(payload: Uint8Array, schema: z.ZodType<T>): Outcome<T> {
  const json = parseJsonBytes(payload)
  return json.ok ? validate(schema, json.value) : json
}
