import { TimeSeriesError, type Health } from './port.ts'

export type EngineHttpOptions = {
  url: string
  timeoutMs: number
  /** Value of the Authorization header, if any. */
  authorization?: string
  engine: string
}

export type EngineHttp = {
  /** GET (no body) or POST (form body); resolves with the response text of a 2xx answer. */
  request(path: string, params: URLSearchParams, method?: 'GET' | 'POST'): Promise<string>
  /** POST a JSON body; resolves with the response text of a 2xx answer. */
  postJson(path: string, body: unknown): Promise<string>
  /** GET `path`; ok on 2xx (and when `accept` agrees with the body). */
  health(path: string, accept?: (body: string) => boolean): Promise<Health>
}

/** Basic auth when a username is given, else `Token …` (InfluxDB) or `Bearer …` (vmauth), else none. */
export function authorization(a: {
  token?: string
  username?: string
  password?: string
  scheme: 'Token' | 'Bearer'
}): string | undefined {
  if (a.username !== undefined) {
    return `Basic ${Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64')}`
  }
  return a.token ? `${a.scheme} ${a.token}` : undefined
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
    return err.name === 'TimeoutError' ? 'timed out' : `${err.message}${cause}`
  }
  return String(err)
}

/** The read side of an engine's HTTP API, with a timeout on every request (no hangs). */
export function createEngineHttp(opts: EngineHttpOptions): EngineHttp {
  const base = opts.url.replace(/\/+$/, '')
  const headers: Record<string, string> = opts.authorization ? { authorization: opts.authorization } : {}

  async function fetchText(path: string, init: RequestInit): Promise<{ status: number; body: string }> {
    try {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(opts.timeoutMs),
      })
      return { status: res.status, body: await res.text() }
    } catch (err) {
      throw new TimeSeriesError(`${opts.engine} unreachable: ${reasonOf(err)}`, {
        retriable: true,
        cause: err,
      })
    }
  }

  const ok = ({ status, body }: { status: number; body: string }) => {
    if (status < 200 || status >= 300) {
      throw new TimeSeriesError(`${opts.engine} answered HTTP ${status}: ${body.slice(0, 500)}`, {
        retriable: status >= 500 || status === 408 || status === 429,
      })
    }
    return body
  }

  return {
    async request(path, params, method = 'GET') {
      return ok(
        method === 'GET'
          ? await fetchText(`${path}?${params}`, { method })
          : await fetchText(path, {
              method,
              body: params.toString(),
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            }),
      )
    },
    async postJson(path, body) {
      return ok(
        await fetchText(path, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }),
      )
    },
    async health(path, accept = () => true) {
      try {
        const { status, body } = await fetchText(path, { method: 'GET' })
        if (status >= 200 && status < 300 && accept(body)) return { ok: true }
        return { ok: false, reason: `${opts.engine} ${path} answered HTTP ${status}: ${body.slice(0, 200)}` }
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : String(err) }
      }
    },
  }
}
