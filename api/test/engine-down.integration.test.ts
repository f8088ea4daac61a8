import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type StoreWithTimeSeries } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { sender, serve, type Served } from './serve.ts'

const OPERATOR = 'operator-key-0123456789'

/** A loopback port nothing listens on: taken, then closed again. */
async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

describe('a time-series engine that does not answer', () => {
  let store: StoreWithTimeSeries
  let api: Served
  let fill: number

  beforeAll(async () => {
    store = await openStore({
      path: ':memory:',
      timeSeries: {
        backend: 'victoriametrics',
        url: `http://127.0.0.1:${await closedPort()}`,
        timeoutMs: 1000,
      },
    })
    fill = (await store.provisionDevice(sampleProvision('down-1'))).datastreams.fillingLevel!
    api = await serve({ store, maxTop: 100, auth: staticKeys({ [OPERATOR]: 'operator' }) })
  })
  afterAll(async () => {
    await api?.close()
    await store?.close()
  })

  const send = sender(() => api.base, OPERATOR)

  it('answers reads and writes that need it with 503, Retry-After and the reason; the registry still serves', async () => {
    for (const [method, path, body] of [
      ['GET', `/v1.1/Datastreams(${fill})/Observations`],
      ['POST', `/v1.1/Datastreams(${fill})/Observations`, { result: 1 }],
      ['DELETE', `/v1.1/Datastreams(${fill})`],
    ] as const) {
      const res = await send(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(res.body.message).toMatch(/time-series engine did not answer.*unreachable/)
    }
    // nothing was deleted: the engine could not delete the Datastream's series
    expect((await send('GET', `/v1.1/Datastreams(${fill})`)).status).toBe(200)
    expect((await send('GET', '/v1.1/Things')).status).toBe(200)
  })
})
