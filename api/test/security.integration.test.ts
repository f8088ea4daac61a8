import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { Response as ExpressResponse } from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger, type Logger } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { createApp, type AppDeps } from '../src/index.ts'
import { staticKeys } from './static-keys.ts'

const KEYS = {
  admin: 'key-admin',
  operator: 'key-operator',
  device: 'key-device',
  reader: 'key-reader',
  revoked: 'key-revoked',
  expired: 'key-expired',
} as const

const verifier = staticKeys({
  [KEYS.admin]: 'admin',
  [KEYS.operator]: 'operator',
  [KEYS.device]: 'device',
  [KEYS.reader]: 'reader',
  [KEYS.revoked]: { role: 'operator', revoked: true },
  [KEYS.expired]: { role: 'operator', expiresAt: new Date('2020-01-01T00:00:00Z') },
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const device = { deviceId: 'sec-1', kind: 'clothing-container', name: 'Secure', lon: 11.5, lat: 48.1 }

/** Records log calls (message and fields) so a test can wait for one. */
function recordingLogger(lines: Array<{ msg?: string; obj: object }>): Logger {
  const log = (obj: object, msg?: string) => void lines.push({ msg, obj })
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger }
  return logger
}

/** Polls `condition` (no fixed sleeps in the assertions). */
async function until(condition: () => boolean, ms = 5000) {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('API security and limits over real HTTP', () => {
  let store: Store
  const servers: Server[] = []

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    await store.provisionDevice(sampleProvision('c-1', { lon: 11.57, lat: 48.14 }))
  })
  afterAll(async () => {
    await store.close()
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })

  /** Starts the app with `options` on 127.0.0.1, port 0; returns a fetch bound to it. */
  async function serve(options: Partial<AppDeps> = {}) {
    const app = createApp({
      store,
      log: silentLogger,
      auth: verifier,
      devices: {
        register: async (r) => ({
          deviceId: r.deviceId,
          thingId: 1,
          datastreams: {},
          mqtt: { username: r.deviceId, password: 'p', topic: 't' },
        }),
      },
      metrics: async () => ({ contentType: 'text/plain', body: 'up 1\n' }),
      ...options,
    })
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await new Promise((r) => server.once('listening', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return (path: string, init: RequestInit = {}) => fetch(base + path, init)
  }
  const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const errorOf = async (res: Response) => (await res.json()) as { code: string; message: string }

  describe('keys and roles', () => {
    it('serves open data to anonymous clients by default', async () => {
      const get = await serve()
      expect((await get('/v1.1/Things')).status).toBe(200)
      expect((await get('/api/layers/containers')).status).toBe(200)
      expect((await get('/api/health')).status).toBe(200)
    })

    it('asks for a reader key when anonymous read is off (Bearer or X-API-Key)', async () => {
      const get = await serve({ anonymousRead: false })
      const anon = await get('/v1.1/Things')
      expect(anon.status).toBe(401)
      expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer /)
      expect(anon.headers.get('content-type')).toMatch(/application\/json/)
      expect(await errorOf(anon)).toMatchObject({ code: 'UNAUTHORIZED' })
      expect((await get('/api/layers/containers')).status).toBe(401)
      expect((await get('/v1.1/Things', { headers: bearer(KEYS.reader) })).status).toBe(200)
      expect((await get('/v1.1/Things', { headers: { 'x-api-key': KEYS.reader } })).status).toBe(200)
      expect((await get('/api/layers/containers', { headers: bearer(KEYS.operator) })).status).toBe(200)
      // a device key may only write Observations
      expect((await get('/v1.1/Things', { headers: bearer(KEYS.device) })).status).toBe(403)
      expect((await get('/api/health')).status).toBe(200)
    })

    it('registers devices only with provision rights: 401 without a key, 403 for reader and device', async () => {
      const get = await serve()
      const anon = await get('/api/devices', postJson(device))
      expect([anon.status, (await errorOf(anon)).code]).toEqual([401, 'UNAUTHORIZED'])
      expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer /)
      for (const role of ['reader', 'device'] as const) {
        const res = await get('/api/devices', postJson(device, bearer(KEYS[role])))
        expect([res.status, (await errorOf(res)).code]).toEqual([403, 'FORBIDDEN'])
      }
      expect((await get('/api/devices', postJson(device, bearer(KEYS.operator)))).status).toBe(201)
      expect((await get('/api/devices', postJson(device, bearer(KEYS.admin)))).status).toBe(201)
    })

    it('shows the quarantine and metrics to operators and admins only', async () => {
      const get = await serve()
      expect((await get('/api/quarantine')).status).toBe(401)
      expect((await get('/api/quarantine', { headers: bearer(KEYS.reader) })).status).toBe(403)
      expect((await get('/api/quarantine', { headers: bearer(KEYS.operator) })).status).toBe(200)
      expect((await get('/api/quarantine/counts', { headers: bearer(KEYS.admin) })).status).toBe(200)
      expect((await get('/metrics')).status).toBe(401)
      expect((await get('/metrics', { headers: bearer(KEYS.device) })).status).toBe(403)
      const metrics = await get('/metrics', { headers: bearer(KEYS.operator) })
      expect([metrics.status, await metrics.text()]).toEqual([200, 'up 1\n'])
    })

    it('guards SensorThings writes before routing: write for entities, write:observations for devices', async () => {
      const get = await serve()
      const thing = { name: 'x', description: 'y' }
      expect((await get('/v1.1/Things', postJson(thing))).status).toBe(401)
      expect((await get('/v1.1/Things', postJson(thing, bearer(KEYS.reader)))).status).toBe(403)
      expect((await get('/v1.1/Things', postJson(thing, bearer(KEYS.device)))).status).toBe(403)
      expect((await get('/v1.1/Things(1)', { method: 'DELETE' })).status).toBe(401)
      const patch = {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...bearer(KEYS.device) },
      }
      expect((await get('/v1.1/Things(1)', { ...patch, body: '{}' })).status).toBe(403)
      // past the guard (no write routes yet: 404/405 until they exist)
      const passes = (status: number) => expect([401, 403]).not.toContain(status)
      passes((await get('/v1.1/Things', postJson(thing, bearer(KEYS.operator)))).status)
      const obs = { result: 1, phenomenonTime: '2026-11-23T08:00:00Z', Datastream: { '@iot.id': 1 } }
      passes((await get('/v1.1/Observations', postJson(obs, bearer(KEYS.device)))).status)
      passes((await get('/v1.1/Datastreams(1)/Observations', postJson(obs, bearer(KEYS.device)))).status)
      passes((await get('/v1.1/CreateObservations', postJson([], bearer(KEYS.device)))).status)
      expect((await get('/v1.1/Observations', postJson(obs))).status).toBe(401)
    })

    it('refuses revoked, expired, unknown and malformed keys, also where no key is needed', async () => {
      const get = await serve()
      for (const [token, reason] of [
        [KEYS.revoked, /revoked/],
        [KEYS.expired, /expired/],
        ['no-such-key', /not valid/],
      ] as const) {
        const write = await get('/api/devices', postJson(device, bearer(token)))
        const body = await errorOf(write)
        expect([write.status, body.code]).toEqual([403, 'FORBIDDEN'])
        expect(body.message).toMatch(reason)
        expect((await get('/v1.1/Things', { headers: bearer(token) })).status).toBe(403)
      }
      const empty = await get('/v1.1/Things', { headers: { authorization: 'Bearer ' } })
      expect([empty.status, (await errorOf(empty)).code]).toEqual([401, 'UNAUTHORIZED'])
      // another scheme (e.g. a reverse proxy's Basic login) is not an API key: anonymous
      const basic = { headers: { authorization: 'Basic dXNlcjpwdw==' } }
      expect((await get('/v1.1/Things', basic)).status).toBe(200)
      expect((await get('/api/quarantine', basic)).status).toBe(401)
    })
  })

  describe('limits', () => {
    it('answers 429 with Retry-After, RateLimit headers and JSON after the limit, counting keys apart', async () => {
      const get = await serve({ rateLimit: { anonymous: 3, perKey: 5 } })
      for (let i = 0; i < 3; i++) {
        const ok = await get('/v1.1/Things')
        expect(ok.status).toBe(200)
        expect(ok.headers.get('ratelimit-policy')).toMatch(/^3;w=60$/)
      }
      const limited = await get('/v1.1/Things')
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(limited.headers.get('ratelimit')).toMatch(/remaining=0/)
      expect(await errorOf(limited)).toMatchObject({ code: 'TOO_MANY_REQUESTS' })
      // a key has its own budget; health checks are never limited
      for (let i = 0; i < 5; i++)
        expect((await get('/v1.1/Things', { headers: bearer(KEYS.reader) })).status).toBe(200)
      expect((await get('/v1.1/Things', { headers: bearer(KEYS.reader) })).status).toBe(429)
      expect((await get('/api/health')).status).toBe(200)
    })

    it('counts clients by X-Forwarded-For only when trust proxy says so', async () => {
      const behind = await serve({ rateLimit: { anonymous: 1 }, trustProxy: 1 })
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })
      expect((await behind('/v1.1/Things', from('203.0.113.1'))).status).toBe(200)
      expect((await behind('/v1.1/Things', from('203.0.113.2'))).status).toBe(200)
      expect((await behind('/v1.1/Things', from('203.0.113.1'))).status).toBe(429)
      const direct = await serve({ rateLimit: { anonymous: 1 } })
      expect((await direct('/v1.1/Things', from('203.0.113.1'))).status).toBe(200)
      expect((await direct('/v1.1/Things', from('203.0.113.2'))).status).toBe(429)
    })

    it('takes bodies up to the limit (1 MB by default) and answers larger ones 413 in JSON', async () => {
      const get = await serve()
      const big = { ...device, padding: 'x'.repeat(200_000) } // larger than the former 64 kB
      expect((await get('/api/devices', postJson(big, bearer(KEYS.operator)))).status).toBe(201)
      const huge = await get(
        '/api/devices',
        postJson({ ...device, padding: 'x'.repeat(1_100_000) }, bearer(KEYS.operator)),
      )
      expect([huge.status, (await errorOf(huge)).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
      const small = await serve({ maxBody: '1kb' })
      const res = await small(
        '/api/devices',
        postJson({ ...device, padding: 'x'.repeat(2000) }, bearer(KEYS.operator)),
      )
      expect([res.status, (await errorOf(res)).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    })

    it('answers writes that are not JSON with 415', async () => {
      const get = await serve()
      for (const path of ['/api/devices', '/v1.1/Things']) {
        const res = await get(path, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', ...bearer(KEYS.operator) },
          body: JSON.stringify(device),
        })
        expect([res.status, (await errorOf(res)).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      }
      // a Content-Type that is no media type, without a body (found by the $batch fuzzer: it was a 500)
      for (const path of ['/api/devices', '/v1.1/Things', '/v1.1/']) {
        const res = await get(path, {
          method: 'POST',
          headers: { 'content-type': ';', ...bearer(KEYS.operator) },
        })
        expect([res.status, (await errorOf(res)).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      }
    })

    it('limits the depth of $expand', async () => {
      const get = await serve({ maxExpandDepth: 1 })
      expect((await get('/v1.1/Things?$expand=Datastreams')).status).toBe(200)
      const deep = await get('/v1.1/Things?$expand=Datastreams($expand=Sensor)')
      expect([deep.status, (await errorOf(deep)).code]).toEqual([400, 'BAD_REQUEST'])
    })

    it('answers 503 with Retry-After when a handler is too slow, and survives its late answer', async () => {
      const lines: Array<{ msg?: string; obj: object }> = []
      let release!: () => void
      const released = new Promise<void>((r) => (release = r))
      const finished: Array<Promise<void>> = []
      const late =
        (answer: (res: ExpressResponse) => void) => async (_req: unknown, res: ExpressResponse) => {
          let done!: () => void
          finished.push(new Promise<void>((r) => (done = r)))
          await released
          try {
            answer(res)
          } finally {
            done()
          }
        }
      const get = await serve({
        log: recordingLogger(lines),
        requestTimeoutMs: 250, // only the slow handlers below come near it
        extra: (app) => {
          app.get(
            '/slow-json',
            late((res) => res.json({ late: true })),
          )
          app.get(
            '/slow-stream',
            late((res) => res.write('late')),
          )
        },
      })
      for (const path of ['/slow-json', '/slow-stream']) {
        const res = await get(path)
        expect(res.status).toBe(503)
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
        expect(await errorOf(res)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
      }
      release()
      await Promise.all(finished)
      // the late res.json threw (headers sent): the error handler drops it instead of answering twice
      await until(() => lines.some((l) => l.msg === 'error after the response was sent'))
      expect((await get('/api/health')).status).toBe(200)
      expect(lines.filter((l) => l.msg === 'request timed out')).toHaveLength(2)
    })
  })

  describe('CORS', () => {
    const preflight = (origin: string): RequestInit => ({
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    })

    it('allows any origin by default, with the headers clients need', async () => {
      const get = await serve()
      const pre = await get('/v1.1/Things', preflight('https://portal.example.org'))
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe('*')
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/i)
      expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/)
      const res = await get('/v1.1/Things', { headers: { origin: 'https://portal.example.org' } })
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect(res.headers.get('access-control-expose-headers')).toMatch(/Location.*RateLimit.*Retry-After/)
      // errors are readable cross-origin too
      const refused = await get('/api/quarantine', { headers: { origin: 'https://portal.example.org' } })
      expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, '*'])
    })

    it('allows only the configured origins', async () => {
      const get = await serve({ corsOrigins: ['https://portal.example.org'] })
      const allowed = await get('/v1.1/Things', preflight('https://portal.example.org'))
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example.org')
      const other = await get('/v1.1/Things', preflight('https://elsewhere.example.com'))
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
      const none = await serve({ corsOrigins: [] })
      const plain = await none('/v1.1/Things', { headers: { origin: 'https://portal.example.org' } })
      expect([plain.status, plain.headers.get('access-control-allow-origin')]).toEqual([200, null])
    })
  })
})
