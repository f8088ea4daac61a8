import { Router } from 'express'
import { z } from 'zod'
import type { Store } from '@urbantwin/store'
import { parse } from '../http/parse.ts'

/** Operator view of the quarantine: messages that could not become observations, with their reasons. */
export function quarantineRouter(deps: { store: Store; maxTop: number }): Router {
  const Query = z.object({
    $top: z.coerce.number().int().min(0).max(deps.maxTop).default(100),
    $skip: z.coerce.number().int().min(0).default(0),
    category: z
      .string()
      .regex(/^[a-z-]{1,40}$/)
      .optional(),
  })
  const router = Router()
  router.get('/', async (req, res) => {
    const q = parse(Query, req.query, 'query')
    const page = await deps.store.quarantined({ top: q.$top, skip: q.$skip }, q.category)
    res.json({ count: page.count, value: page.items })
  })
  router.get('/counts', async (_req, res) => {
    const byCategory = await deps.store.quarantineCounts()
    res.json({ total: Object.values(byCategory).reduce((a, b) => a + b, 0), byCategory })
  })
  return router
}
