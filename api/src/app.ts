import express, { type Express } from 'express'
import type { Logger } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'
import { errorHandler, notFound } from './http/errors.ts'
import { staRouter } from './routes/sta.ts'
import { layersRouter } from './routes/layers.ts'
import { devicesRouter, requireKey, type DevicesDeps } from './routes/devices.ts'
import { quarantineRouter } from './routes/quarantine.ts'

export type AppDeps = {
  store: Store
  log: Logger
  devices: DevicesDeps
  /** Largest `$top` a client may ask for. */
  maxTop?: number
  /** Extra handlers mounted before the 404 (e.g. the viewer's static files). */
  extra?: (app: Express) => void
  /** Prometheus exposition for `GET /metrics` (operator key). */
  metrics?: () => Promise<{ contentType: string; body: string }>
  /** Health facts reported at /api/health. */
  health?: () => Record<string, unknown>
}

/** Builds the Urban Data Platform API; does not listen. */
export function createApp(deps: AppDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  app.use(express.json({ limit: '64kb' }))
  app.use('/v1.1', staRouter({ store: deps.store, maxTop: deps.maxTop ?? 1000 }))
  app.use('/api/layers', layersRouter({ store: deps.store }))
  app.use('/api/devices', devicesRouter(deps.devices))
  app.use(
    '/api/quarantine',
    requireKey(deps.devices.adminKey),
    quarantineRouter({ store: deps.store, maxTop: deps.maxTop ?? 1000 }),
  )
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', ...deps.health?.() })
  })
  const metrics = deps.metrics
  if (metrics) {
    app.get('/metrics', requireKey(deps.devices.adminKey), async (_req, res) => {
      const m = await metrics()
      res.type(m.contentType).send(m.body)
    })
  }
  deps.extra?.(app)
  app.use(notFound)
  app.use(errorHandler(deps.log))
  return app
}
