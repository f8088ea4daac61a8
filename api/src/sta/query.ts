import { z } from 'zod'

/** Entity ids in resource paths, e.g. `Things(42)`. */
export const EntityId = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
})
