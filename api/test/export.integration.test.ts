import { parse as parseCsv } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type DeviceRecord, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { serve, type Served } from './serve.ts'

type Json = Record<string, unknown>

const LICENCE_LINK = '<https://www.govdata.de/dl-de/by-2-0>; rel="license"'
const TRICKY_ADDRESS = 'Straße 1, "Hof"\nHinterhaus'

/** `Link` header values (fetch joins several with ", ") as rel → target. */
function links(header: string | null): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const m = /^<([^>]*)>;\s*rel="([^"]+)"/.exec(part)
    if (m) out.set(m[2]!, m[1]!)
  }
  return out
}

describe('open-data exports: CSV, GeoJSON and the DCAT catalogue over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let base: string
  let c1: DeviceRecord
  let c2: DeviceRecord

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    c1 = await store.provisionDevice(sampleProvision('c-1', { lon: 11.57, lat: 48.14 }))
    await store.provisionDevice(sampleProvision('c-2', { lon: 11.58, lat: 48.14 }))
    // c-2 moves: its current Location is the new one, the old one stays in the history
    c2 = await store.provisionDevice(sampleProvision('c-2', { lon: 11.585, lat: 48.145 }))
    await store.provisionDevice(sampleProvision('c-3', { lon: 11.59, lat: 48.15, address: TRICKY_ADDRESS }))
    await store.appendObservations(
      [1, 2, 3].map((m) => ({
        datastreamId: c1.datastreams.fillingLevel!,
        phenomenonTime: new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString(),
        resultTime: new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString(),
        result: m * 10,
      })),
    )
    api = await serve({
      store,
      maxTop: 50,
      auth: staticKeys({}),
    })
    base = api.base
  })

  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const csv = async (path: string) => {
    const res = await fetch(base + path)
    const text = await res.text()
    expect(res.status, text).toBe(200)
    return { res, rows: parseCsv(text, { columns: true }) as Record<string, string>[], text }
  }
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(base + path, init)
    return { res, body: (await res.json()) as Json }
  }

  describe('$resultFormat=CSV', () => {
    it('lists Things one per row, with JSON cells, licence headers and the total count', async () => {
      const { res, rows } = await csv('/v1.1/Things?$resultFormat=CSV&$count=true')
      expect(res.headers.get('content-type')).toMatch(/^text\/csv; ?charset=utf-8; ?header=present$/)
      expect(res.headers.get('link')).toContain(LICENCE_LINK)
      expect(decodeURIComponent(res.headers.get('x-attribution')!)).toBe('UrbanTwin – Urban Data Platform')
      expect(res.headers.get('x-total-count')).toBe('3')
      expect(rows.map((r) => r.name)).toEqual(['Container c-1', 'Container c-2', 'Container c-3'])
      expect(Object.keys(rows[0]!)).toEqual(['id', 'selfLink', 'name', 'description', 'properties'])
      expect(rows[0]).toMatchObject({
        id: String(c1.thingId),
        selfLink: `${base}/v1.1/Things(${c1.thingId})`,
      })
      expect(JSON.parse(rows[2]!.properties!)).toEqual({ address: TRICKY_ADDRESS })
    })

    it('pages with Link rel="next" instead of @iot.nextLink', async () => {
      const first = await csv('/v1.1/Things?$resultFormat=CSV&$top=2')
      expect(first.rows).toHaveLength(2)
      const next = links(first.res.headers.get('link')).get('next')
      expect(new URL(next!).searchParams.get('$resultFormat')).toBe('CSV')
      const second = await csv(next!.slice(base.length))
      expect(second.rows.map((r) => r.name)).toEqual(['Container c-3'])
      expect(links(second.res.headers.get('link')).has('next')).toBe(false)
      expect(links(second.res.headers.get('link')).has('license')).toBe(true)
    })

    it('lists Observations newest first with their Datastream id', async () => {
      const ds = c1.datastreams.fillingLevel!
      const { rows } = await csv(`/v1.1/Datastreams(${ds})/Observations?$resultFormat=CSV`)
      expect(rows.map((r) => [r.result, r.phenomenonTime, r['Datastream/id']])).toEqual([
        ['30', '2026-11-23T08:03:00.000Z', String(ds)],
        ['20', '2026-11-23T08:02:00.000Z', String(ds)],
        ['10', '2026-11-23T08:01:00.000Z', String(ds)],
      ])
      expect(Object.keys(rows[0]!).slice(0, 5)).toEqual([
        'id',
        'selfLink',
        'phenomenonTime',
        'resultTime',
        'result',
      ])
    })

    it('keeps $select and flattens $expand of single entities as Nav/property', async () => {
      const ds = c1.datastreams.fillingLevel!
      const expand = encodeURIComponent('Datastream($select=name;$expand=Thing($select=name))')
      const { rows, text } = await csv(
        `/v1.1/Datastreams(${ds})/Observations?$resultFormat=CSV&$top=1&$select=result,phenomenonTime&$expand=${expand}`,
      )
      expect(text.split('\r\n')[0]).toBe('result,phenomenonTime,Datastream/name,Datastream/Thing/name')
      expect(rows).toEqual([
        {
          result: '30',
          phenomenonTime: '2026-11-23T08:03:00.000Z',
          'Datastream/name': 'Fill level of Container c-1',
          'Datastream/Thing/name': 'Container c-1',
        },
      ])
    })

    it('refuses to flatten an expanded collection with a 400 in JSON', async () => {
      const { res, body } = await json('/v1.1/Things?$resultFormat=CSV&$expand=Datastreams')
      expect(res.status).toBe(400)
      expect(body).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/Datastreams is a collection/),
      })
    })
  })

  describe('$resultFormat=GeoJSON', () => {
    const geo = async (path: string) => {
      const { res, body } = await json(path)
      expect(res.status, JSON.stringify(body)).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
      expect(res.headers.get('link')).toContain(LICENCE_LINK)
      return body as {
        type: string
        features: { id: number; geometry: { type: string; coordinates: number[] }; properties: Json }[]
        links: { rel: string; href: string }[]
        numberMatched?: number
        numberReturned: number
        license: Json
        attribution: string
      }
    }

    it('places Things at their current Location, with licence, attribution and count', async () => {
      const doc = await geo('/v1.1/Things?$resultFormat=GeoJSON&$count=true')
      expect(doc.type).toBe('FeatureCollection')
      expect(doc.features.map((f) => f.geometry.coordinates)).toEqual([
        [11.57, 48.14],
        [11.585, 48.145], // after the move
        [11.59, 48.15],
      ])
      expect(doc.features[0]).toMatchObject({
        type: 'Feature',
        id: c1.thingId,
        properties: {
          '@iot.id': c1.thingId,
          name: 'Container c-1',
          description: 'test container',
          properties: { address: 'Street c-1' },
          selfLink: `${base}/v1.1/Things(${c1.thingId})`,
        },
      })
      expect(Object.keys(doc.features[0]!.properties)).not.toContain('Datastreams@iot.navigationLink')
      expect(doc).toMatchObject({
        numberMatched: 3,
        numberReturned: 3,
        attribution: 'UrbanTwin – Urban Data Platform',
      })
      expect(doc.license).toMatchObject({ id: 'dl-de/by-2-0', url: 'https://www.govdata.de/dl-de/by-2-0' })
    })

    it('pages with a next link as OGC API – Features does', async () => {
      const first = await geo('/v1.1/Things?$resultFormat=GeoJSON&$top=2')
      expect(first.numberReturned).toBe(2)
      expect(first).not.toHaveProperty('numberMatched')
      const next = first.links.find((l) => l.rel === 'next')?.href
      expect(next).toBeDefined()
      const second = await geo(next!.slice(base.length))
      expect(second.features.map((f) => f.properties.name)).toEqual(['Container c-3'])
      expect(second.links.map((l) => l.rel)).toEqual(['self'])
    })

    it('makes each Location its own feature; the old place of a moved Thing too', async () => {
      const doc = await geo('/v1.1/Locations?$resultFormat=GeoJSON')
      expect(doc.features).toHaveLength(4)
      for (const f of doc.features) {
        expect(f.geometry.type).toBe('Point')
        expect(f.properties).not.toHaveProperty('location')
        expect(f.properties.selfLink).toBe(`${base}/v1.1/Locations(${f.id})`)
      }
      const mine = await geo(`/v1.1/Things(${c2.thingId})/Locations?$resultFormat=GeoJSON`)
      expect(mine.features.map((f) => f.geometry.coordinates)).toEqual([[11.585, 48.145]])
    })

    it('answers GeoJSON on entity sets without geometry with a 400 in JSON', async () => {
      const ds = c1.datastreams.fillingLevel!
      for (const path of ['/v1.1/Datastreams', `/v1.1/Datastreams(${ds})/Observations`, '/v1.1/Sensors']) {
        const { res, body } = await json(`${path}?$resultFormat=GeoJSON`)
        expect(res.status, path).toBe(400)
        expect(res.headers.get('content-type')).toMatch(/^application\/json/)
        expect(body).toMatchObject({
          code: 'BAD_REQUEST',
          message: expect.stringMatching(/Things .*and Locations/),
        })
      }
    })
  })

  describe('the DCAT-AP catalogue', () => {
    it('lists one dcat:Dataset per Datastream as JSON-LD, placed where its Thing is', async () => {
      const { res, body } = await json('/v1.1/catalogue', { headers: { accept: 'application/ld+json' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/)
      expect(res.headers.get('link')).toContain(LICENCE_LINK)
      expect(body['@type']).toBe('dcat:Catalog')
      const datasets = body['dcat:dataset'] as Json[]
      const all = await store.datastreams({ top: 100, skip: 0 })
      expect(datasets.map((d) => d['@id']).sort()).toEqual(
        all.items.map((d) => `${base}/v1.1/Datastreams(${d.id})`).sort(),
      )
      const moved = datasets.find(
        (d) => d['@id'] === `${base}/v1.1/Datastreams(${c2.datastreams.temperature})`,
      )!
      expect(moved['dcat:keyword']).toEqual(['Temperature'])
      const geometry = (moved['dct:spatial'] as Json)['locn:geometry'] as { '@value': string }[]
      expect(JSON.parse(geometry[0]!['@value'])).toEqual({ type: 'Point', coordinates: [11.585, 48.145] })
    })

    it('answers application/json to clients that ask only for JSON', async () => {
      const { res } = await json('/v1.1/catalogue', { headers: { accept: 'application/json' } })
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    })

    it('points every distribution at a URL that answers 200 in its media type', async () => {
      const { body } = await json('/v1.1/catalogue')
      const distributions = (body['dcat:dataset'] as Json[]).flatMap((d) => d['dcat:distribution'] as Json[])
      expect(distributions).toHaveLength(3 * 6)
      for (const d of distributions) {
        const url = (d['dcat:downloadURL'] as { '@id': string })['@id']
        const type = (d['dcat:mediaType'] as { '@id': string })['@id'].split('/media-types/')[1]!
        const res = await fetch(url)
        expect(res.status, url).toBe(200)
        expect(res.headers.get('content-type'), url).toContain(type)
        await res.arrayBuffer()
      }
    })
  })
})

describe('data with its own licence (imported statistics) names its source in every response and export', () => {
  let store: Store
  let api: Served
  let own: number
  let plain: number
  const ATTRIBUTION = 'Datenquelle: Landeshauptstadt München, Statistisches Amt; dl-de/by-2-0; verändert'

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    const device = await store.provisionDevice(sampleProvision('c-9'))
    plain = device.datastreams.fillingLevel!
    const unit = { name: 'percent', symbol: '%', definition: 'http://unitsofmeasure.org/ucum.html#para-29' }
    own = await store.create({
      set: 'Datastreams',
      thing: { id: device.thingId },
      datastream: {
        datastream: {
          name: 'Frauenanteil',
          description: 'share of women',
          unitOfMeasurement: unit,
          observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
          properties: {
            license: {
              id: 'dl-de/by-2-0',
              name: 'Datenlizenz Deutschland – Namensnennung – Version 2.0',
              url: 'https://www.govdata.de/dl-de/by-2-0',
            },
            attribution: ATTRIBUTION,
          },
        },
        sensor: { create: { name: 'Register', description: 'd', encodingType: 'text/plain', metadata: 'm' } },
        observedProperty: { create: { name: 'share', definition: 'urn:test:share', description: 'd' } },
      },
    })
    await store.appendObservations([
      {
        datastreamId: own,
        phenomenonTime: '2024-12-31T00:00:00.000Z',
        resultTime: '2025-08-01T00:00:00.000Z',
        result: 50.59,
      },
    ])
    api = await serve({ store, maxTop: 50, auth: staticKeys({}) })
  })
  afterAll(async () => {
    await api?.close()
    await store?.close()
  })

  const attribution = (res: Response) => decodeURIComponent(res.headers.get('x-attribution') ?? '')

  it('in headers of the stream, its Observations and their CSV, and in the catalogue', async () => {
    for (const path of [
      `/v1.1/Datastreams(${own})`,
      `/v1.1/Datastreams(${own})/Observations`,
      `/v1.1/Datastreams(${own})/Observations?$resultFormat=CSV`,
    ]) {
      const res = await fetch(api.base + path)
      expect(res.status, path).toBe(200)
      expect(attribution(res), path).toContain(ATTRIBUTION)
      expect(links(res.headers.get('link')).get('license'), path).toBe('https://www.govdata.de/dl-de/by-2-0')
      await res.arrayBuffer()
    }
    const csv = await fetch(`${api.base}/v1.1/Datastreams(${own})/Observations?$resultFormat=CSV`)
    expect(attribution(csv)).toBe(`UrbanTwin – Urban Data Platform. ${ATTRIBUTION}`)
    const other = await fetch(`${api.base}/v1.1/Datastreams(${plain})/Observations`)
    expect(other.headers.get('x-attribution')).toBeNull()

    const catalogue = (await (await fetch(`${api.base}/v1.1/catalogue`)).json()) as Json
    const dataset = (catalogue['dcat:dataset'] as Json[]).find((d) =>
      String(d['@id']).endsWith(`/Datastreams(${own})`),
    )!
    for (const d of dataset['dcat:distribution'] as Json[])
      expect(d['dcatde:licenseAttributionByText']).toBe(`UrbanTwin – Urban Data Platform. ${ATTRIBUTION}`)
  })
})
