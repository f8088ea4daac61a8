import type { ErrorRequestHandler, RequestHandler, Response } from 'express'
import type { Logger } from '@urbantwin/model'
import {
  ConflictError,
  LinkError,
  TimeSeriesError,
  UnsupportedOperationError,
  UnsupportedQueryError,
} from '@urbantwin/store'

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL'
  | 'SERVICE_UNAVAILABLE'
  | 'NOT_IMPLEMENTED'

/** The only way the API shapes an error body: `{ "code": "BAD_REQUEST", "message": "..." }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong to the error, e.g. `WWW-Authenticate` or `Retry-After`. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message)
  }
}

/** Writes `e` as the response: used by `errorHandler`, and by the deadline, which cannot throw. */
export function sendError(res: Response, e: HttpError): void {
  if (e.headers) res.set(e.headers)
  res
    .status(e.status)
    .json({ code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) })
}

export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, 'NOT_FOUND', `no resource at ${req.method} ${req.path}`)
}

/** Express' own errors (body-parser) carry `status` and `type`; map them, never answer 500 for bad input. */
function fromExpress(err: unknown): HttpError | null {
  // a query refused: bad syntax, an unknown property or option, a type mismatch, a function it lacks
  if (err instanceof UnsupportedQueryError) return new HttpError(400, 'BAD_REQUEST', err.message)
  // something the store cannot do at all (one point of a time-series engine)
  if (err instanceof UnsupportedOperationError) return new HttpError(501, 'NOT_IMPLEMENTED', err.message)
  if (err instanceof ConflictError) return new HttpError(409, 'CONFLICT', err.message)
  // the time-series engine is down or refused: the platform is fine, try again later
  if (err instanceof TimeSeriesError)
    return new HttpError(
      503,
      'SERVICE_UNAVAILABLE',
      `the time-series engine did not answer: ${err.message}`,
      undefined,
      {
        'Retry-After': '5',
      },
    )
  // a link of a created entity names none: the request is wrong
  if (err instanceof LinkError) return new HttpError(400, 'BAD_REQUEST', err.message)
  if (typeof err !== 'object' || err === null || !('status' in err)) return null
  const status = Number((err as { status: unknown }).status)
  const type = String((err as { type?: unknown }).type ?? '')
  if (type === 'entity.parse.failed')
    return new HttpError(400, 'BAD_REQUEST', 'request body is not valid JSON')
  if (type === 'entity.too.large') {
    const limit = Number((err as { limit?: unknown }).limit)
    return new HttpError(
      413,
      'PAYLOAD_TOO_LARGE',
      Number.isFinite(limit) ? `request body is larger than ${limit} bytes` : 'request body is too large',
    )
  }
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', String((err as { message?: unknown }).message))
  if (status >= 400 && status < 500)
    return new HttpError(status, 'BAD_REQUEST', String((err as { message?: unknown }).message))
  return null
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      // e.g. a handler answering after the deadline already did (see deadline.ts): the answer is out
      log.debug({ err, method: req.method, path: req.path }, 'error after the response was sent')
      return
    }
    const known = err instanceof HttpError ? err : fromExpress(err)
    if (!known) log.error({ err, method: req.method, path: req.path }, 'request failed')
    sendError(res, known ?? new HttpError(500, 'INTERNAL', 'internal error'))
  }
}
