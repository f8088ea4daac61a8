import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL'

/** The only way the API shapes an error body: `{ "code": "BAD_REQUEST", "message": "..." }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, 'NOT_FOUND', `no resource at ${req.method} ${req.path}`)
}

/** Express' own errors (body-parser) carry `status` and `type`; map them, never answer 500 for bad input. */
function fromExpress(err: unknown): HttpError | null {
  // a query refused: bad syntax, an unknown property or option, a type mismatch, a function it lacks
  if (err instanceof UnsupportedQueryError) return new HttpError(400, 'BAD_REQUEST', err.message)
  if (typeof err !== 'object' || err === null || !('status' in err)) return null
  const status = Number((err as { status: unknown }).status)
  const type = String((err as { type?: unknown }).type ?? '')
  if (type === 'entity.parse.failed')
    return new HttpError(400, 'BAD_REQUEST', 'request body is not valid JSON')
  if (type === 'entity.too.large') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large')
  if (status >= 400 && status < 500)
    return new HttpError(status, 'BAD_REQUEST', String((err as { message?: unknown }).message))
  return null
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof HttpError ? err : fromExpress(err)
    if (!known) log.error({ err, method: req.method, path: req.path }, 'request failed')
    const e = known ?? new HttpError(500, 'INTERNAL', 'internal error')
    res
      .status(e.status)
      .json({ code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) })
  }
}
