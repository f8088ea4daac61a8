import type { AddressInfo } from 'node:net'
import { silentLogger } from '@urbantwin/model'
import { createApp, type AppDeps } from '../src/index.ts'
import { staticKeys } from './static-keys.ts'

export type Served = { base: string; close: () => Promise<void> }

/**
 * The API as the tests use it: a real HTTP server on 127.0.0.1 and a free port. Without `auth` no
 * key is valid; without `devices` no device kind can be registered.
 */
export async function serve(
  deps: Omit<AppDeps, 'log' | 'auth' | 'devices'> & Partial<Pick<AppDeps, 'log' | 'auth' | 'devices'>>,
): Promise<Served> {
  const app = createApp({
    log: silentLogger,
    auth: staticKeys({}),
    devices: { register: async () => null },
    ...deps,
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A JSON answer as tests read it: an entity, or a collection with `value`. */
export type Body = Record<string, unknown> & { value?: Record<string, unknown>[] }
export type Sent = { status: number; location: string | null; headers: Headers; body: Body }

/**
 * A JSON request to the API at `base()` with `key` (null: anonymous, or per request); the body read
 * as JSON when there is one. A string body is sent as it is (to test what is not JSON).
 */
export function sender(base: () => string, key: string | null) {
  return async (method: string, path: string, body?: unknown, as: string | null = key): Promise<Sent> => {
    const res = await fetch(base() + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(as ? { authorization: `Bearer ${as}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    return {
      status: res.status,
      location: res.headers.get('location'),
      headers: res.headers,
      body: (text ? JSON.parse(text) : null) as Body,
    }
  }
}
