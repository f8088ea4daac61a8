import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import type { Readiness } from '../src/index.ts'
import { serve, type Served } from './serve.ts'

describe('/api/ready for load balancers and orchestrators', () => {
  let store: Store
  let api: Served
  let checks: Readiness = {}

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    api = await serve({ store, ready: async () => checks })
  })
  afterAll(async () => {
    await api.close()
    await store.close()
  })

  it('answers 200 while every part can take work, 503 with the reasons while one cannot, no key needed', async () => {
    checks = { broker: { ok: true }, store: { ok: true } }
    const up = await fetch(`${api.base}/api/ready`)
    expect(up.status).toBe(200)
    expect(await up.json()).toEqual({ status: 'ready', checks })
    checks = { broker: { ok: true }, timeSeries: { ok: false, detail: 'victoriametrics refuses writes' } }
    const down = await fetch(`${api.base}/api/ready`)
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ status: 'not ready', checks })
  })
})
