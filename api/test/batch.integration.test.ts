import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type DeviceRecord, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { serve, type Served } from './serve.ts'

const OPERATOR = 'batch-operator-key-0123'
const READER = 'batch-reader-key-0123'

describe('JSON $batch (STA 11.2) over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let base: string
  let device: DeviceRecord

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    device = await store.provisionDevice(sampleProvision('b-1'))
    api = await serve({
      store,
      maxTop: 100,
      auth: staticKeys({ [OPERATOR]: 'operator', [READER]: 'reader' }),
    })
    base = api.base
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const batch = async (body: unknown, key: string | null = OPERATOR) => {
    const res = await fetch(`${base}/v1.1/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  type Answer = {
    id: string
    status: number
    headers: Record<string, string>
    body?: Record<string, unknown>
  }

  it('runs requests in order, each as if alone, and refers to an earlier answer with $<id>', async () => {
    const fill = device.datastreams.fillingLevel!
    const r = await batch({
      requests: [
        {
          id: 'obs',
          method: 'post',
          url: `Datastreams(${fill})/Observations`,
          body: { phenomenonTime: '2026-11-23T08:00:00Z', result: 12 },
        },
        { id: 'read', method: 'get', url: '$obs', dependsOn: ['obs'] },
        { id: 'its-stream', method: 'get', url: '$obs/Datastream?$select=name', dependsOn: ['obs'] },
        {
          id: 'rename',
          method: 'patch',
          url: `/v1.1/Things(${device.thingId})`,
          body: { name: 'Renamed in a batch' },
        },
        { id: 'thing', method: 'get', url: `${base}/v1.1/Things(${device.thingId})?$select=name` },
        { id: 'missing', method: 'get', url: 'Things(987654)' },
        { id: 'bad', method: 'post', url: `Datastreams(${fill})/Observations`, body: { result: { no: 1 } } },
      ],
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const answers = r.body.responses as Answer[]
    expect(answers.map((a) => [a.id, a.status])).toEqual([
      ['obs', 201],
      ['read', 200],
      ['its-stream', 200],
      ['rename', 200],
      ['thing', 200],
      ['missing', 404],
      ['bad', 400],
    ])
    expect(answers[0]!.headers.location).toBe(answers[1]!.body!['@iot.selfLink'])
    expect(answers[1]!.body).toMatchObject({ result: 12, phenomenonTime: '2026-11-23T08:00:00.000Z' })
    expect(answers[2]!.body).toEqual({ name: 'Fill level of Container b-1' })
    expect(answers[4]!.body).toEqual({ name: 'Renamed in a batch' })
    expect(answers[5]!.body).toMatchObject({ code: 'NOT_FOUND' })
    // what the batch did is there afterwards
    const after = await fetch(`${base}/v1.1/Datastreams(${fill})/Observations?$top=1`)
    expect(((await after.json()) as { value: { result: number }[] }).value[0]!.result).toBe(12)
  })

  it('answers 424 for a request whose dependency failed, and 400 for what it cannot resolve', async () => {
    const r = await batch({
      requests: [
        { id: 'a', method: 'get', url: 'Things(987654)' },
        { id: 'b', method: 'get', url: '$a', dependsOn: ['a'] },
        { id: 'c', method: 'get', url: '$a' },
        { id: 'd', method: 'get', url: '/api/quarantine' },
        { id: 'e', method: 'post', url: '$batch', body: { requests: [] } },
      ],
    })
    expect((r.body.responses as Answer[]).map((a) => [a.id, a.status])).toEqual([
      ['a', 404],
      ['b', 424],
      ['c', 400],
      ['d', 400],
      ['e', 400],
    ])
  })

  it('applies keys and permissions to the batch and to every request in it', async () => {
    const one = { requests: [{ id: '1', method: 'get', url: 'Things' }] }
    expect((await batch(one, null)).status).toBe(401)
    expect((await batch(one, READER)).status).toBe(403)
    expect((await batch(one)).status).toBe(200)
    // a key inside the batch does not replace the batch's own
    const smuggled = await batch(
      {
        requests: [
          {
            id: '1',
            method: 'patch',
            url: `Things(${device.thingId})`,
            headers: { Authorization: `Bearer ${OPERATOR}` },
            body: { name: 'x' },
          },
        ],
      },
      READER,
    )
    expect(smuggled.status).toBe(403)
    const inside = await batch({
      requests: [
        { id: '1', method: 'get', url: 'Things', headers: { authorization: 'Bearer nonsense-key-123' } },
      ],
    })
    expect((inside.body.responses as Answer[])[0]!.status).toBe(200)
  })

  it('refuses malformed batches as a whole with a 400', async () => {
    const cases: [unknown, RegExp][] = [
      [{ requests: [] }, /requests/],
      [{ requests: [{ id: '1', method: 'put', url: 'Things' }] }, /method/],
      [
        {
          requests: [
            { id: '1', method: 'get', url: 'Things' },
            { id: '1', method: 'get', url: 'Things' },
          ],
        },
        /twice/,
      ],
      [{ requests: [{ id: '1', method: 'get', url: 'Things', atomicityGroup: 'g' }] }, /atomicityGroup/],
      [{ requests: [{ id: '1', method: 'get', url: 'Things', dependsOn: ['2'] }] }, /depends on 2/],
      [
        {
          requests: Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: 'get', url: 'Things' })),
        },
        /requests/,
      ],
    ]
    for (const [body, message] of cases) {
      const r = await batch(body)
      expect(r.status, JSON.stringify(body).slice(0, 200)).toBe(400)
      expect(String(r.body.message)).toMatch(message)
    }
  })

  it('never answers a random batch with a 5xx, nor any request in it (fuzz)', async () => {
    const request = fc.record(
      {
        id: fc.oneof(fc.constantFrom('1', '2', '3'), fc.string()),
        method: fc.constantFrom('get', 'post', 'patch', 'delete', 'GET', 'head'),
        url: fc.oneof(
          fc.constantFrom(
            'Things',
            '$1',
            '$1/Datastreams',
            'Things(1)',
            '/v1.1/Things',
            'http://x/v1.1/Things',
            '../api',
            '$batch',
          ),
          fc.string(),
        ),
        body: fc.jsonValue(),
        dependsOn: fc.array(fc.constantFrom('1', '2', '3')),
        headers: fc.dictionary(fc.constantFrom('x-a', 'content-type', 'authorization'), fc.string()),
      },
      { requiredKeys: ['id', 'method', 'url'] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.record({ requests: fc.array(request, { maxLength: 4 }) }), fc.jsonValue()),
        async (body) => {
          const r = await batch(body)
          expect(r.status).toBeLessThan(500)
          for (const a of (r.body.responses as Answer[] | undefined) ?? [])
            expect(a.status, JSON.stringify(a)).toBeLessThan(500)
        },
      ),
      { numRuns: 500 },
    )
  }, 120_000)
})
