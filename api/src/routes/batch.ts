import type { Request, Response } from 'express'
import { z } from 'zod'
import { HttpError } from '../http/errors.ts'
import { parse } from '../http/parse.ts'

/** Requests one `$batch` may carry. */
export const MAX_BATCH_REQUESTS = 100

const SubRequest = z
  .object({
    id: z.string().min(1).max(100),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(['GET', 'POST', 'PATCH', 'DELETE'])),
    url: z.string().min(1).max(8192),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    dependsOn: z.array(z.string()).optional(),
    atomicityGroup: z.string().optional(),
  })
  .strict()
export const BatchRequest = z
  .object({ requests: z.array(SubRequest).min(1).max(MAX_BATCH_REQUESTS) })
  .strict()
  .describe('Requests run in order; `$<id>` at the start of a url is an earlier answer’s Location')
export const BatchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      body: z.unknown().optional(),
    }),
  ),
})

/** Headers of the outer request that every sub-request carries: who is asking. */
const FORWARDED = ['authorization', 'x-api-key', 'x-forwarded-for', 'x-forwarded-proto']

type Answer = { id: string; status: number; headers: Record<string, string>; body?: unknown }

const refused = (id: string, message: string): Answer => ({
  id,
  status: 400,
  headers: {},
  body: { code: 'BAD_REQUEST', message },
})

/**
 * `POST /v1.1/$batch` (OGC 18-088 11.2, OData JSON batch): the requests are run in order through
 * this server over loopback — keys, permissions, limits and validation apply to each as if it came alone —
 * and answered together with status 200. `$<id>` at the start of a URL stands for the Location of
 * an earlier request's answer; a request whose `dependsOn` failed is answered 424. Atomicity
 * groups are refused (400): nothing here can roll back a group.
 */
export function batchHandler() {
  return async (req: Request, res: Response) => {
    // the sub-requests go to this server through the address this request came in at
    const address = req.socket.localAddress ?? '127.0.0.1'
    const self = `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`
    const host = req.get('host') ?? self.slice('http://'.length)
    const batch = parse(BatchRequest, req.body, '$batch')
    const ids = new Set<string>()
    for (const r of batch.requests) {
      if (ids.has(r.id)) throw new HttpError(400, 'BAD_REQUEST', `$batch: request id ${r.id} is given twice`)
      ids.add(r.id)
      if (r.atomicityGroup !== undefined)
        throw new HttpError(
          400,
          'BAD_REQUEST',
          '$batch: atomicityGroup is not supported; requests are applied one by one',
        )
      for (const d of r.dependsOn ?? [])
        if (!ids.has(d) || d === r.id)
          throw new HttpError(
            400,
            'BAD_REQUEST',
            `$batch: request ${r.id} depends on ${d}, which does not come before it`,
          )
    }
    const forwarded = Object.fromEntries(
      FORWARDED.flatMap((h) => (req.headers[h] === undefined ? [] : [[h, String(req.headers[h])]])),
    )
    const answers = new Map<string, Answer>()
    for (const r of batch.requests) {
      const failed = (r.dependsOn ?? []).find((d) => answers.get(d)!.status >= 400)
      if (failed) {
        answers.set(r.id, {
          id: r.id,
          status: 424,
          headers: {},
          body: { code: 'FAILED_DEPENDENCY', message: `request ${failed} failed` },
        })
        continue
      }
      const url = resolve(r.url, answers)
      if (url === null) {
        answers.set(r.id, {
          id: r.id,
          status: 400,
          headers: {},
          body: { code: 'BAD_REQUEST', message: `cannot resolve ${r.url}` },
        })
        continue
      }
      const hasBody = r.body !== undefined
      if (hasBody && r.method === 'GET') {
        answers.set(r.id, refused(r.id, 'a GET takes no body'))
        continue
      }
      const reply = await fetch(self + url, {
        method: r.method,
        headers: {
          // who is asking comes from the batch itself, never from a request inside it
          ...Object.fromEntries(
            Object.entries(r.headers ?? {}).filter(
              ([h]) => !FORWARDED.includes(h.toLowerCase()) && h.toLowerCase() !== 'host',
            ),
          ),
          ...forwarded,
          // links in the answers name the host the client used
          host,
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(hasBody ? { body: JSON.stringify(r.body) } : {}),
      }).catch((err: unknown) => refused(r.id, `cannot send ${r.method} ${r.url}: ${(err as Error).message}`))
      if (!(reply instanceof globalThis.Response)) {
        answers.set(r.id, reply)
        continue
      }
      const headers: Record<string, string> = {}
      for (const h of ['location', 'content-type', 'retry-after']) {
        const v = reply.headers.get(h)
        if (v !== null) headers[h] = v
      }
      const text = await reply.text()
      let body: unknown
      if (text.length > 0)
        body = /json/.test(headers['content-type'] ?? '') ? (JSON.parse(text) as unknown) : text
      answers.set(r.id, { id: r.id, status: reply.status, headers, ...(body === undefined ? {} : { body }) })
    }
    res.json({ responses: batch.requests.map((r) => answers.get(r.id)!) })
  }
}

/**
 * A sub-request's URL as a path on this server: relative to the service root (`Things(1)`), a path
 * (`/v1.1/Things`), a URL of any host (its path is taken), or `$<id>/…` for an earlier answer's
 * Location. Null when it names no earlier answer with a Location, or leaves the service root.
 */
function resolve(url: string, answers: ReadonlyMap<string, Answer>): string | null {
  let path = url
  const ref = /^\$([^/?]+)(.*)$/.exec(url)
  if (ref) {
    const location = answers.get(ref[1]!)?.headers.location
    if (!location) return null
    path = new URL(location).pathname + (ref[2] ?? '')
  } else if (/^https?:\/\//i.test(url)) {
    const u = new URL(url)
    path = u.pathname + u.search
  } else if (!url.startsWith('/')) path = `/v1.1/${url}`
  if (!path.startsWith('/v1.1/') || path.startsWith('/v1.1/$batch')) return null
  return path
}
