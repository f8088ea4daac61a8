import express, { type Request, type RequestHandler } from 'express'
import { HttpError } from './errors.ts'

/** Request bodies the API reads: JSON (also `application/*+json`). */
const JSON_TYPES = ['application/json', 'application/*+json']
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** A Content-Type that is no media type (e.g. `;`): type-is and body-parser throw a TypeError on it. */
const malformedContentType = (req: Request) =>
  new HttpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `malformed Content-Type: ${JSON.stringify(req.get('content-type') ?? '')}`,
  )

/** Whether the request's body is JSON: null without a body, false for another (or a missing) content type. */
function isJson(req: Request): string | false | null {
  try {
    return req.is(JSON_TYPES)
  } catch (err) {
    if (err instanceof TypeError) throw malformedContentType(req)
    throw err
  }
}

/** 415 for a write whose body is not JSON; requests without a body pass (the route decides). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (WITH_BODY.has(req.method) && isJson(req) === false)
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as application/json, not ${req.get('content-type') ?? 'without a content type'}`,
    )
  next()
}

/** Parses JSON bodies up to `limit` (bytes, or a size like '1mb'); larger ones are a 413. */
export function jsonBody(limit: number | string): RequestHandler {
  const parse = express.json({ limit, type: JSON_TYPES })
  return (req, res, next) => {
    const done = (err?: unknown) => next(err instanceof TypeError ? malformedContentType(req) : err)
    try {
      parse(req, res, done)
    } catch (err) {
      done(err)
    }
  }
}
