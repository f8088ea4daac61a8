import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type DeviceRecord, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { serve, type Served } from './serve.ts'

type Obs = { '@iot.id': number; result: unknown; phenomenonTime: string; '@iot.selfLink': string }
const at = (m: number) => new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString()

describe('GET /Observations: the Observations of every Datastream (real DuckDB and HTTP)', () => {
  let store: Store
  let api: Served
  let a: DeviceRecord
  let b: DeviceRecord

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    a = await store.provisionDevice(sampleProvision('c-1'))
    b = await store.provisionDevice(sampleProvision('c-2'))
    // interleaved in time across three Datastreams of two Things
    await store.appendObservations([
      { datastreamId: a.datastreams.fillingLevel!, phenomenonTime: at(1), resultTime: at(1), result: 11 },
      { datastreamId: b.datastreams.fillingLevel!, phenomenonTime: at(2), resultTime: at(2), result: 22 },
      { datastreamId: a.datastreams.temperature!, phenomenonTime: at(3), resultTime: at(3), result: 3.5 },
      { datastreamId: b.datastreams.fillingLevel!, phenomenonTime: at(4), resultTime: at(4), result: 44 },
      { datastreamId: a.datastreams.fillingLevel!, phenomenonTime: at(5), resultTime: at(5), result: 'full' },
    ])
    api = await serve({ store, maxTop: 50, auth: staticKeys({}), devices: { register: async () => null } })
  })
  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const get = async (query: string) => {
    const res = await fetch(`${api.base}/v1.1/Observations${query}`)
    const body = (await res.json()) as { value?: Obs[]; '@iot.count'?: number; '@iot.nextLink'?: string }
    return { status: res.status, body, results: (body.value ?? []).map((o) => o.result) }
  }
  const q = encodeURIComponent

  it('lists them newest first, pages with @iot.nextLink and counts when asked', async () => {
    const all = await get('?$count=true')
    expect(all.status).toBe(200)
    expect(all.results).toEqual(['full', 44, 3.5, 22, 11])
    expect(all.body['@iot.count']).toBe(5)
    expect(all.body.value![0]!['@iot.selfLink']).toMatch(/\/v1\.1\/Observations\(\d+\)$/)
    const first = await get('?$top=2')
    expect(first.results).toEqual(['full', 44])
    const next = await fetch(first.body['@iot.nextLink']!)
    expect(((await next.json()) as { value: Obs[] }).value.map((o) => o.result)).toEqual([3.5, 22])
  })

  it("filters by Datastream, by the Datastream's Thing and by time, and orders as asked", async () => {
    const fill = a.datastreams.fillingLevel!
    expect((await get(`?$filter=${q(`Datastream/@iot.id eq ${fill}`)}`)).results).toEqual(['full', 11])
    expect(
      (await get(`?$filter=${q(`${fill} eq Datastream/id and phenomenonTime lt ${at(3)}`)}`)).results,
    ).toEqual([11])
    // the latest-value path: one Datastream pinned, newest only
    expect(
      (await get(`?$top=1&$filter=${q(`Datastream/id eq ${b.datastreams.fillingLevel}`)}`)).results,
    ).toEqual([44])
    expect(
      (await get(`?$filter=${q("Datastream/Thing/name eq 'Container c-2'")}&$orderby=result`)).results,
    ).toEqual([22, 44])
    expect(
      (
        await get(
          `?$filter=${q(`phenomenonTime ge ${at(2)} and phenomenonTime le ${at(4)}`)}&$orderby=phenomenonTime`,
        )
      ).results,
    ).toEqual([22, 3.5, 44])
    expect((await get(`?$filter=${q('Datastream/id eq 424242')}`)).results).toEqual([])
  })

  it("expands each Observation's Datastream, and refuses unknown properties with a 400", async () => {
    const r = await get(`?$top=1&$expand=Datastream($select=id)`)
    expect(r.body.value![0]).toMatchObject({
      result: 'full',
      Datastream: { '@iot.id': a.datastreams.fillingLevel },
    })
    const bad = await get(`?$filter=${q('Datastream/nothing eq 1')}`)
    expect(bad.status).toBe(400)
  })
})
