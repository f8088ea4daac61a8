import type { z } from 'zod'
import { HttpError } from './errors.ts'

/** Validates request input with zod; failures become 400 with each issue listed. */
export function parse<T>(schema: z.ZodType<T>, input: unknown, what = 'request'): T {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const details = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  const first = details[0]
  throw new HttpError(
    400,
    'BAD_REQUEST',
    `invalid ${what}: ${first ? `${first.path || '(root)'}: ${first.message}` : 'rejected'}`,
    details,
  )
}
