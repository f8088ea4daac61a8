import cors from 'cors'
import type { RequestHandler } from 'express'

/** Response headers a browser client may read: where a created entity is, paging and licence of exports, limits. */
const EXPOSED = [
  'Location',
  'Link',
  'X-Total-Count',
  'X-Attribution',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'WWW-Authenticate',
]

/**
 * CORS (the `cors` package) for `origins`: '*' (any site; keys travel in headers, never cookies, so no
 * credentials mode is needed) or a list of exact origins. An empty list sends no CORS headers.
 * Preflights are answered with 204 and the requested headers (e.g. Authorization) allowed.
 */
export function corsPolicy(origins: '*' | readonly string[]): RequestHandler | null {
  if (origins !== '*' && origins.length === 0) return null
  return cors({
    origin: origins === '*' ? '*' : [...origins],
    exposedHeaders: EXPOSED,
    maxAge: 600,
  })
}
