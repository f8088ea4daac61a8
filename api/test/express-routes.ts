import type { Express } from 'express'

/** What the tests read of Express 5's router (the `router` package 2.x): routes and mounted routers. */
type Layer = {
  route?: { path: string | string[]; methods: Record<string, boolean> }
  handle?: { stack?: Layer[] }
  /** The path a layer was mounted at (`app.use('/v1.1', router)`). */
  rawPath?: string | string[]
}

/** `'/Things\\(:id\\)/:property/\\$value'` → `'/Things({id})/{property}/$value'` (OpenAPI path template). */
export function toTemplate(expressPath: string): string {
  return expressPath.replace(/\\([()$])/g, '$1').replace(/:(\w+)/g, '{$1}')
}

const join = (prefix: string, path: string) => {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/')
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined
}

/**
 * Every `method path` the app routes (`get /v1.1/Things({id})`), walking nested routers with the
 * paths they are mounted at. Middleware that is not a router (static files, auth) is not a route.
 */
export function servedRoutes(app: Express): string[] {
  const out = new Set<string>()
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
          for (const p of paths) out.add(`${method} ${toTemplate(join(prefix, p))}`)
      } else if (Array.isArray(layer.handle?.stack)) {
        if (layer.rawPath === undefined)
          throw new Error('a mounted router without its path: has Express changed?')
        const mounts = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath]
        for (const m of mounts) walk(layer.handle.stack, join(prefix, m))
      }
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '/')
  return [...out].sort()
}
