import { Router } from 'express'
import { z } from 'zod'
import type { Store } from '@urbantwin/store'
import { parse } from '../http/parse.ts'

/** The query of `GET /api/quarantine` (also documented from here, see docs/openapi.ts). */
export function quarantineQuery(maxTop: number) {
  return z.object({
    $top: z.coerce.number().int().min(0).max(maxTop).default(100).describe('Messages per page'),
    $skip: z.coerce.number().int().min(0).default(0).describe('Messages to skip, newest first'),
    category: z
      .string()
      .regex(/^[a-z-]{1,40}$/)
      .optional()
      .describe('Only this category, e.g. schema or unknown-device'),
  })
}

/** Operator view of the quarantine: messages that could not become observations, with their reasons. */
export function quarantineRouter(deps: { store: Store; maxTop: number }): Router {
  const Query = quarantineQuery(deps.maxTop)
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
