import express, { type RequestHandler } from 'express'
import { HttpError } from './errors.ts'

/** Request bodies the API reads: JSON (also `application/*+json`). */
const JSON_TYPES = ['application/json', 'application/*+json']
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** 415 for a write whose body is not JSON; requests without a body pass (the route decides). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  // req.is: null without a body, false for another (or a missing) content type
  if (WITH_BODY.has(req.method) && req.is(JSON_TYPES) === false)
    throw new HttpError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as application/json, not ${req.get('content-type') ?? 'without a content type'}`,
    )
  next()
}

/** Parses JSON bodies up to `limit` (bytes, or a size like '1mb'); larger ones are a 413. */
export function jsonBody(limit: number | string): RequestHandler {
  return express.json({ limit, type: JSON_TYPES })
}
