import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NewObservation } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { jsonText, observationJson, observationSelfPrefix, observationTextAt } from '../src/sta/serialize.ts'
import { serve, type Served } from './serve.ts'

/**
 * Pages of Observations are written as JSON text from the store's columns (`observationTextAt`, sent
 * as bytes by `sendObservationPage`) or from records (`observationJson`): both must give the same
 * objects, keys in the same order, for any stored Observation, and the same bytes over HTTP.
 */
describe('Observations written from columns (real DuckDB and HTTP)', () => {
  let store: Store
  let stream: number
  /** The same store, answered by the record path only. */
  let records: Served
  let pushed: Served

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    stream = (await store.provisionDevice(sampleProvision('c-1'))).datastreams.fillingLevel!
    pushed = await serve({ store, maxTop: 1000 })
    records = await serve({ store: { ...store, observationColumns: undefined }, maxTop: 1000 })
  })
  afterAll(async () => {
    await pushed?.close()
    await records?.close()
    await store?.close()
  })

  const result = fc.oneof(
    fc.double(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.string({ unit: 'binary' }),
    fc.boolean(),
    fc.jsonValue({ maxDepth: 2 }),
  )
  const observation = fc.record(
    {
      ms: fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
      resultMs: fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
      result,
      resultQuality: fc.string({ unit: 'binary', maxLength: 12 }),
    },
    { requiredKeys: ['ms', 'resultMs', 'result'] },
  )
  /** Results stored as JSON text may be written with other spacing than JSON.stringify's. */
  const sameJson = (text: string) => JSON.parse(text) as unknown

  it('writes each Observation as observationJson does, for random results, times and qualities (fuzz)', async () => {
    const base = `http://udp.local:8080/v1.1/"quoted"\\back/é`
    let round = 0
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(observation, { selector: (o) => o.ms, maxLength: 25 }), async (obs) => {
        // each round its own Datastream, so that earlier rounds do not show
        const id = (await store.provisionDevice(sampleProvision(`fuzz-${++round}`))).datastreams.fillingLevel!
        const drafts: NewObservation[] = obs.map((o) => ({
          datastreamId: id,
          phenomenonTime: new Date(o.ms).toISOString(),
          resultTime: new Date(o.resultMs).toISOString(),
          result: o.result as NewObservation['result'],
          ...(o.resultQuality === undefined ? {} : { resultQuality: o.resultQuality }),
        }))
        await store.appendObservations(drafts)
        const page = { top: 100, skip: 0, count: true }
        const columns = await store.observationColumns!(id, page)
        const objects = await store.observations(id, page)
        expect(columns!.count).toBe(objects.count)
        const c = columns!.columns
        const texts = Array.from({ length: c.length }, (_, i) =>
          observationTextAt(observationSelfPrefix({ base }), c, i),
        )
        expect(texts.map(sameJson)).toEqual(
          objects.items.map((o) => sameJson(jsonText(observationJson({ base }, o)))),
        )
        // key order too
        expect(texts.map((t) => Object.keys(JSON.parse(t) as object))).toEqual(
          objects.items.map((o) => Object.keys(observationJson({ base }, o))),
        )
        // and over HTTP, byte for byte
        const [a, b] = await Promise.all(
          [pushed, records].map((s) => bodyOf(s, `/v1.1/Datastreams(${id})/Observations`)),
        )
        expect(a).toBe(b)
      }),
      { numRuns: 50 },
    )
  }, 120_000)

  /** The body of GET `path` (a 200), the server's own base URL written BASE. */
  async function bodyOf(s: Served, path: string): Promise<string> {
    const res = await fetch(s.base + path)
    expect(res.status, path).toBe(200)
    return (await res.text()).replaceAll(s.base, 'BASE')
  }

  it('sends pages larger than its first buffer, and concurrent pages each their own bytes', async () => {
    const id = (await store.provisionDevice(sampleProvision('large-pages'))).datastreams.fillingLevel!
    const long = (m: number) => `${'ü€😀'.repeat(20_000)} ${m}` // ~180 KB of UTF-8 each
    await store.appendObservations(
      Array.from({ length: 12 }, (_, m) => ({
        datastreamId: id,
        phenomenonTime: new Date(Date.UTC(2026, 10, 24, 6, m)).toISOString(),
        resultTime: new Date(Date.UTC(2026, 10, 24, 6, m)).toISOString(),
        result: m % 2 === 0 ? long(m) : m,
      })),
    )
    const paths = Array.from(
      { length: 12 },
      (_, k) => `/v1.1/Datastreams(${id})/Observations?$top=${1 + (k % 5)}&$skip=${k}`,
    )
    const expected = await Promise.all(paths.map((path) => bodyOf(records, path)))
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(paths.map((path) => bodyOf(pushed, path)))
      expect(got).toEqual(expected)
    }
    expect(Math.max(...expected.map((b) => Buffer.byteLength(b)))).toBeGreaterThan(300_000)
  })

  it('reuses a page buffer only once its bytes are sent, also to a client that reads slowly', async () => {
    const id = (await store.provisionDevice(sampleProvision('slow-reader'))).datastreams.fillingLevel!
    // pages of ~5.8 MB: more than the kernel takes while the client does not read (tcp_wmem ≤ 4 MB)
    await store.appendObservations(
      Array.from({ length: 2000 }, (_, m) => ({
        datastreamId: id,
        phenomenonTime: new Date(Date.UTC(2026, 10, 24, 7) + m * 1000).toISOString(),
        resultTime: new Date(Date.UTC(2026, 10, 24, 7) + m * 1000).toISOString(),
        result: String(m).padEnd(5500, '-x'),
      })),
    )
    const [first, second] = [0, 1000].map(
      (skip) => `/v1.1/Datastreams(${id})/Observations?$top=1000&$skip=${skip}`,
    )
    const expected = await bodyOf(records, first!)
    const { hostname, port } = new URL(pushed.base)
    const socket = connect({ host: hostname, port: Number(port) })
    socket.pause()
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`GET ${first} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`)
    await new Promise((resolve) => setTimeout(resolve, 300)) // answered, not yet read
    await bodyOf(pushed, second!) // a page written while the first is still being sent
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    await new Promise((resolve) => socket.once('end', resolve).resume())
    const answer = Buffer.concat(chunks).toString('utf8')
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4)
    expect(Buffer.byteLength(body)).toBeGreaterThan(5_000_000)
    expect(body.replaceAll(pushed.base, 'BASE') === expected).toBe(true)
  }, 60_000)

  it('answers the HTTP API as the record path does: pages, counts, filters, orders, next links', async () => {
    const at = (m: number) => new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString()
    await store.appendObservations(
      Array.from({ length: 30 }, (_, m) => ({
        datastreamId: stream,
        phenomenonTime: at(m),
        resultTime: at(m),
        result: m % 7 === 0 ? `text ${m}` : m * 1.5,
        ...(m % 5 === 0 ? { resultQuality: 'clamped' } : {}),
      })),
    )
    const q = encodeURIComponent
    for (const path of [
      `/v1.1/Datastreams(${stream})/Observations`,
      `/v1.1/Datastreams(${stream})/Observations?$top=7&$skip=3&$count=true`,
      `/v1.1/Datastreams(${stream})/Observations?$filter=${q(`phenomenonTime ge ${at(10)} and result gt 20`)}&$orderby=result`,
      `/v1.1/Datastreams(${stream})/Observations?$orderby=${q('phenomenonTime asc')}&$top=4`,
      `/v1.1/Observations?$filter=${q(`Datastream/id eq ${stream}`)}&$top=5&$count=true`,
      `/v1.1/Observations?$top=3&$count=true`,
      `/v1.1/Observations?$filter=${q("substringof('ext', result)")}&$top=3`,
    ]) {
      const [a, b] = await Promise.all(
        [pushed, records].map(async (s) => {
          const res = await fetch(s.base + path)
          const text = await res.text()
          // the two servers differ in their port only
          return {
            status: res.status,
            type: res.headers.get('content-type'),
            body: text.replaceAll(s.base, 'BASE'),
          }
        }),
      )
      expect(a!.status, path).toBe(200)
      expect(a!.type, path).toBe(b!.type)
      expect(sameJson(a!.body), path).toEqual(sameJson(b!.body))
    }
  })

  it('answers 404 for a Datastream that does not exist, and leaves $select and $expand to the record path', async () => {
    expect((await fetch(`${pushed.base}/v1.1/Datastreams(999999)/Observations`)).status).toBe(404)
    expect((await fetch(`${pushed.base}/v1.1/MultiDatastreams(999999)/Observations`)).status).toBe(404)
    const selected = (await (
      await fetch(`${pushed.base}/v1.1/Datastreams(${stream})/Observations?$select=result&$top=1`)
    ).json()) as { value: object[] }
    expect(Object.keys(selected.value[0]!)).toEqual(['result'])
    const expanded = (await (
      await fetch(`${pushed.base}/v1.1/Datastreams(${stream})/Observations?$expand=Datastream&$top=1`)
    ).json()) as { value: { Datastream: { '@iot.id': number } }[] }
    expect(expanded.value[0]!.Datastream['@iot.id']).toBe(stream)
  })
})
