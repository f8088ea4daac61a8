import type { z } from 'zod'
import { fail, ok, type Outcome } from '@urbantwin/model'

const decoder = new TextDecoder('utf-8', { fatal: true })
const MAX_PAYLOAD_BYTES = 16 * 1024

/** UTF-8 JSON bytes → a value checked by `schema`, or a reason. Never throws. */
export function parseJsonPayload<T>(payload: Uint8Array, schema: z.ZodType<T>): Outcome<T> {
  if (payload.byteLength > MAX_PAYLOAD_BYTES)
    return fail(`payload of ${payload.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`)
  let text: string
  try {
    text = decoder.decode(payload)
  } catch {
    return fail('payload is not valid UTF-8')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return fail('payload is not valid JSON')
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    return fail(`payload does not match the schema: ${issues.join('; ')}`)
  }
  return ok(parsed.data)
}
