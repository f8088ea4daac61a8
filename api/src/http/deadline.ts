import type { RequestHandler } from 'express'
import type { Logger } from '@urbantwin/model'
import { HttpError, sendError } from './errors.ts'

/**
 * Answers 503 with `Retry-After` when a request has no answer after `ms`. The handler keeps running
 * (a store query is not cancelled); what it sends late is dropped: `errorHandler` ignores errors once
 * headers are sent, and a late `write` is caught here instead of crashing the process.
 */
export function deadline(ms: number, log: Logger): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return // an answer is already streaming
      log.warn({ method: req.method, path: req.path, ms }, 'request timed out')
      res.on('error', (err) => log.debug({ err, path: req.path }, 'late answer dropped'))
      sendError(
        res,
        new HttpError(
          503,
          'SERVICE_UNAVAILABLE',
          `no answer within ${ms} ms; try again later or ask for less (e.g. a smaller $top or a narrower $filter)`,
          undefined,
          { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
        ),
      )
    }, ms)
    const stop = () => clearTimeout(timer)
    res.once('finish', stop)
    res.once('close', stop)
    next()
  }
}
