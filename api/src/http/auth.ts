import type { RequestHandler, Response } from 'express'
import type { Logger } from '@urbantwin/model'
import { HttpError } from './errors.ts'
import { can, staPermission, type ApiRole, type Permission } from './permissions.ts'

/** Who sent a request with a valid API key. */
export type Principal = { keyId: string; name: string; role: ApiRole }

export type KeyCheck =
  { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }

/** Checks a presented API key (e.g. against the hashed key file of the platform). */
export type ApiKeyVerifier = {
  verify: (token: string, now: Date) => KeyCheck | Promise<KeyCheck>
}

/** What `authenticate` found: a principal, nobody, or a key it refused (answered by `rejectRefusedKey`). */
type Auth =
  | { principal: Principal; refused: null }
  | { principal: null; refused: null }
  | { principal: null; refused: HttpError }

const ANONYMOUS: Auth = { principal: null, refused: null }
const MAX_TOKEN = 256
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="urbantwin"' }

export function principalOf(res: Response): Principal | null {
  return (res.locals.auth as Auth | undefined)?.principal ?? null
}

/**
 * The key of a request: `Authorization: Bearer <key>`, else `X-API-Key: <key>`; '' when malformed.
 * Other schemes (e.g. Basic, added by a reverse proxy for itself) are not ours: ignored.
 */
function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (authorization !== undefined && /^Bearer(?:\s|$)/i.test(authorization))
    return /^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? ''
  if (apiKey !== undefined) return apiKey.trim()
  return null
}

/**
 * Attaches the request's principal to `res.locals.auth`. Never answers by itself, so the rate limiter
 * after it can count refused keys by address; `rejectRefusedKey` then answers them.
 */
export function authenticate(deps: {
  verifier: ApiKeyVerifier
  log: Logger
  now?: () => Date
}): RequestHandler {
  return async (req, res, next) => {
    const token = presentedKey(req.get('authorization'), req.get('x-api-key'))
    let auth: Auth = ANONYMOUS
    if (token === '' || (token !== null && token.length > MAX_TOKEN)) {
      auth = {
        principal: null,
        refused: new HttpError(
          401,
          'UNAUTHORIZED',
          'send the API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
          undefined,
          CHALLENGE,
        ),
      }
    } else if (token !== null) {
      const check = await deps.verifier.verify(token, deps.now?.() ?? new Date())
      if (check.ok) auth = { principal: check.principal, refused: null }
      else {
        deps.log.info({ reason: check.reason, method: req.method, path: req.path }, 'api key refused')
        auth = {
          principal: null,
          refused: new HttpError(
            403,
            'FORBIDDEN',
            `the API key is ${check.reason === 'unknown' ? 'not valid' : check.reason}`,
          ),
        }
      }
    }
    res.locals.auth = auth
    next()
  }
}

/** A presented key that is malformed (401), unknown, revoked or expired (403) is refused even where none is needed. */
export const rejectRefusedKey: RequestHandler = (_req, res, next) => {
  const refused = (res.locals.auth as Auth | undefined)?.refused
  if (refused) throw refused
  next()
}

/** 401 without a key, 403 when the key's role lacks `permission`. */
export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res)
    if (!principal)
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        `this request needs an API key with the permission "${permission}" (Authorization: Bearer <key>)`,
        undefined,
        CHALLENGE,
      )
    if (!can(principal.role, permission))
      throw new HttpError(
        403,
        'FORBIDDEN',
        `the role "${principal.role}" lacks the permission "${permission}"`,
      )
    next()
  }
}

/**
 * Access to `/v1.1`: reads are open unless `anonymousRead` is off; every other method needs `write`,
 * except creating Observations, which a device key may do. Runs before routing and body parsing.
 */
export function staAccess(opts: { anonymousRead: boolean }): RequestHandler {
  return (req, res, next) => {
    const needed = staPermission(req.method, req.path, opts.anonymousRead)
    if (needed) requirePermission(needed)(req, res, next)
    else next()
  }
}
