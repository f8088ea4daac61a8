import { z } from 'zod'

/** STA 9.3.3 query options supported so far: $top (9.3.3.3), $skip (9.3.3.4), $count (9.3.3.5). */
export function collectionQuery(maxTop: number) {
  return z
    .object({
      $top: z.coerce.number().int().min(0).max(maxTop).default(100),
      $skip: z.coerce.number().int().min(0).default(0),
      $count: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
    })
    .loose()
    .superRefine((q, ctx) => {
      for (const key of Object.keys(q)) {
        if (key.startsWith('$') && !['$top', '$skip', '$count'].includes(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `query option ${key} is not supported yet` })
        }
      }
    })
}
export type CollectionQuery = z.infer<ReturnType<typeof collectionQuery>>

/** Entity ids in resource paths, e.g. `Things(42)`. */
export const EntityId = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
})
