import type { IncomingMessage, ServerResponse } from 'node:http'
import { Histogram, Registry } from 'prom-client'
import { ENTITY_SETS } from '@urbantwin/api'

/** Route labels under `/v1.1`: the entity sets (STA 9.2.1) and the other resources (anything else is `other`). */
const STA_SETS = new Set<string>([...ENTITY_SETS, 'CreateObservations', '$batch', 'catalogue'])
const API_FAMILIES = new Set([
  'layers',
  'devices',
  'mqtt',
  'quarantine',
  'health',
  'ready',
  'openapi.json',
  'asyncapi.json',
])

/**
 * The route family of a path, for a latency label of bounded cardinality: `/v1.1/Things`,
 * `/api/layers`, `/metrics`, `/docs`, `/flows`, `/` (the viewer), or `other`. Ids are never part of it.
 */
export function routeOf(pathname: string): string {
  const [first = '', second = ''] = pathname.split('/').filter(Boolean)
  if (first === 'v1.1') {
    if (!second) return '/v1.1'
    const set = second.replace(/\(.*$/, '')
    return STA_SETS.has(set) ? `/v1.1/${set}` : 'other'
  }
  if (first === 'api') return API_FAMILIES.has(second) ? `/api/${second}` : 'other'
  if (first === 'metrics' || first === 'docs' || first === 'flows' || first === 'mqtt') return `/${first}`
  return first === '' || /\.(?:html|js|css|png|svg|json|glb|woff2?)$/.test(pathname) ? '/' : 'other'
}

/** HTTP latency of the public port as a Prometheus histogram, by method, route family and status. */
export function createHttpMetrics() {
  const registry = new Registry()
  const seconds = new Histogram({
    name: 'urbantwin_http_request_duration_seconds',
    help: 'HTTP requests of the public port, from arrival to the last byte written',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return {
    registry,
    /** Times one request; call on arrival. */
    track(req: IncomingMessage, res: ServerResponse) {
      const end = seconds.startTimer()
      // now: Express rewrites req.url as it routes into mounted routers
      const route = routeOf((req.url ?? '/').split('?', 1)[0]!)
      res.once('finish', () => end({ method: req.method ?? 'GET', route, status: String(res.statusCode) }))
    },
  }
}
