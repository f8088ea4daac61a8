import type { RequestHandler } from 'express'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import type { Logger } from '@urbantwin/model'
import { principalOf } from './auth.ts'
import { HttpError } from './errors.ts'

export type RateLimits = {
  windowMs: number
  /** Requests per window from one address without a valid key; 0 = unlimited. */
  anonymous: number
  /** Requests per window with one API key; 0 = unlimited. */
  perKey: number
}

/**
 * Fixed-window rate limit (express-rate-limit, in memory: per process) by API key, or by client
 * address (IPv6 by /56) without one. Over the limit: 429 with `Retry-After` and the IETF draft-7
 * `RateLimit` / `RateLimit-Policy` headers. Null when both limits are 0.
 */
export function rateLimiter(limits: RateLimits, log: Logger): RequestHandler | null {
  if (limits.anonymous === 0 && limits.perKey === 0) return null
  const limitOf = (keyed: boolean) => (keyed ? limits.perKey : limits.anonymous)
  return rateLimit({
    windowMs: limits.windowMs,
    limit: (_req, res) => limitOf(principalOf(res) !== null),
    skip: (_req, res) => limitOf(principalOf(res) !== null) === 0,
    keyGenerator: (req, res) => {
      const principal = principalOf(res)
      return principal ? `key:${principal.keyId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`
    },
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res, next) => {
      const limit = limitOf(principalOf(res) !== null)
      next(
        new HttpError(
          429,
          'TOO_MANY_REQUESTS',
          `more than ${limit} requests in ${limits.windowMs / 1000} s; retry after Retry-After seconds`,
        ),
      )
    },
    // misconfiguration hints (e.g. X-Forwarded-For without API_TRUST_PROXY) go to our log, not the console
    logger: {
      error: (err) => log.warn({ err }, 'rate limiter configuration'),
      warn: (err) => log.warn({ err }, 'rate limiter configuration'),
    },
  })
}
