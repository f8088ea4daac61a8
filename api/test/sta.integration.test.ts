import { request } from 'node:http'
import { gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDuckDbStore, type DeviceRecord, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import type { DeviceRegistration } from '../src/index.ts'
import { staticKeys } from './static-keys.ts'
import { serve, type Served } from './serve.ts'

const ADMIN_KEY = 'test-admin-key-0123456789'

describe('SensorThings API v1.1 over a real DuckDB store and HTTP', () => {
  let store: Store
  let api: Served
  let base: string
  let device: DeviceRecord
  const registered: DeviceRegistration[] = []

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    const provision = (deviceId: string, lon: number) =>
      store.provisionDevice(sampleProvision(deviceId, { lon, lat: 48.14 }))
    device = await provision('c-1', 11.57)
    await provision('c-2', 11.58)
    await store.appendObservations(
      [1, 2, 3].map((m) => ({
        datastreamId: device.datastreams.fillingLevel!,
        phenomenonTime: new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString(),
        resultTime: new Date(Date.UTC(2026, 10, 23, 8, m)).toISOString(),
        result: m * 10,
      })),
    )
    api = await serve({
      store,
      maxTop: 50,
      auth: staticKeys({ [ADMIN_KEY]: 'admin' }),
      devices: {
        register: async (r) => {
          if (r.kind !== 'clothing-container') return null
          registered.push(r)
          return {
            deviceId: r.deviceId,
            thingId: 99,
            datastreams: {},
            mqtt: { username: r.deviceId, password: 'p', topic: 't' },
          }
        },
      },
    })
    base = api.base
  })

  afterAll(async () => {
    await api?.close()
    await store.close()
  })

  const get = async (path: string) => {
    const res = await fetch(base + path)
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json()) as Record<string, unknown>,
    }
  }

  it('lists Things with @iot.id, @iot.selfLink and navigation links (STA 9.2)', async () => {
    const { status, body } = await get('/v1.1/Things?$count=true')
    expect(status).toBe(200)
    expect(body['@iot.count']).toBe(2)
    const value = body.value as Record<string, unknown>[]
    expect(value[0]).toMatchObject({
      '@iot.id': device.thingId,
      '@iot.selfLink': `${base}/v1.1/Things(${device.thingId})`,
      name: 'Container c-1',
      properties: { address: 'Street c-1' },
      'Datastreams@iot.navigationLink': `${base}/v1.1/Things(${device.thingId})/Datastreams`,
    })
    expect(value[0]).not.toHaveProperty('deviceId')
  })

  it('compresses answers for clients that ask, and only for them', async () => {
    const raw = (encoding: string | null) =>
      new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        const req = request(`${base}/v1.1/Things?$expand=Locations,Datastreams`, {
          headers: encoding ? { 'accept-encoding': encoding } : {},
        })
        req.on('response', (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          )
        })
        req.on('error', reject)
        req.end()
      })
    const plain = await raw(null)
    expect(plain.encoding).toBeUndefined()
    const gzipped = await raw('gzip')
    expect(gzipped.encoding).toBe('gzip')
    expect(gzipped.body.length).toBeLessThan(plain.body.length)
    expect(JSON.parse(gunzipSync(gzipped.body).toString())).toEqual(JSON.parse(plain.body.toString()))
  })

  it('lists in the service root only entity sets it serves, each resolvable', async () => {
    const root = await get('/v1.1')
    const sets = root.body.value as { name: string; url: string }[]
    expect(sets.map((s) => s.name)).toEqual([
      'Things',
      'Locations',
      'HistoricalLocations',
      'Datastreams',
      'MultiDatastreams',
      'Sensors',
      'Observations',
      'ObservedProperties',
      'FeaturesOfInterest',
    ])
    for (const s of sets) expect((await fetch(s.url)).status).toBe(200)
    const settings = root.body.serverSettings as Record<string, unknown> & { conformance: string[] }
    const req = 'http://www.opengis.net/spec/iot_sensing/1.1/req'
    expect(settings.conformance).toEqual(
      expect.arrayContaining([`${req}/datamodel`, `${req}/multi-datastream`, `${req}/create-update-delete`]),
    )
    // where the MQTT extension is: the WebSocket beside the API (this test serves no TCP broker)
    expect(settings[`${req}/receive-updates-via-mqtt/receive-updates`]).toEqual({
      endpoints: [`${base.replace('http://', 'ws://')}/mqtt`],
    })
  })

  it('serves FeaturesOfInterest as the Locations where Observations were made (STA 8.2.8)', async () => {
    const q = encodeURIComponent
    const fois = await get(`/v1.1/FeaturesOfInterest?$count=true&$orderby=id`)
    expect(fois.status).toBe(200)
    const locations = await get(`/v1.1/Locations?$count=true&$orderby=id`)
    expect(fois.body['@iot.count']).toBe(locations.body['@iot.count'])
    const first = (fois.body.value as Record<string, unknown>[])[0]!
    const loc = (locations.body.value as Record<string, unknown>[])[0]!
    expect(first).toMatchObject({
      '@iot.id': loc['@iot.id'],
      name: loc.name,
      encodingType: 'application/geo+json',
      feature: loc.location,
      'Observations@iot.navigationLink': `${base}/v1.1/FeaturesOfInterest(${String(loc['@iot.id'])})/Observations`,
    })
    // `feature` filters like a Location's `location`
    const near = await get(
      `/v1.1/FeaturesOfInterest?$filter=${q("geo.distance(feature, geography'POINT(11.57 48.14)') lt 0.001")}`,
    )
    expect(near.status, JSON.stringify(near.body)).toBe(200)
    expect((near.body.value as unknown[]).length).toBeGreaterThan(0)

    // an Observation's FeatureOfInterest is its Thing's Location, and back
    const ds = device.datastreams.fillingLevel!
    const obs = (await get(`/v1.1/Datastreams(${ds})/Observations?$expand=FeatureOfInterest`)).body
      .value as Record<string, unknown>[]
    const foi = obs[0]!.FeatureOfInterest as Record<string, unknown>
    const thingLocation = (await get(`/v1.1/Things(${device.thingId})/Locations`)).body.value as Record<
      string,
      unknown
    >[]
    expect(foi['@iot.id']).toBe(thingLocation[0]!['@iot.id'])
    const single = await get(`/v1.1/Observations(${String(obs[0]!['@iot.id'])})/FeatureOfInterest`)
    expect(single.body).toEqual(foi)
    const back = await get(`/v1.1/FeaturesOfInterest(${String(foi['@iot.id'])})/Observations?$count=true`)
    expect(back.status, JSON.stringify(back.body)).toBe(200)
    const all = await get(
      `/v1.1/Things(${device.thingId})/Datastreams?$expand=${q('Observations($count=true)')}`,
    )
    const total = (all.body.value as Record<string, unknown>[]).reduce(
      (n, d) => n + Number(d['Observations@iot.count']),
      0,
    )
    expect(back.body['@iot.count']).toBe(total)
    const ids = (back.body.value as Record<string, unknown>[]).map((o) => o['@iot.id'])
    expect(ids).toContain(obs[0]!['@iot.id'])
    expect((await get('/v1.1/FeaturesOfInterest(987654)/Observations')).status).toBe(404)
  })

  it('filters and orders through navigation to one entity: Thing/name, Datastream/Thing/properties/…', async () => {
    const q = encodeURIComponent
    const names = async (path: string) => {
      const r = await get(path)
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return (r.body.value as { name?: string; result?: unknown }[]).map((x) => x.name ?? x.result)
    }
    expect(
      await names(`/v1.1/Datastreams?$filter=${q("Thing/name eq 'Container c-2'")}&$orderby=name`),
    ).toEqual(['Fill level of Container c-2', 'Temperature of Container c-2'])
    expect(
      await names(
        `/v1.1/Datastreams?$filter=${q("ObservedProperty/name eq 'Temperature'")}&$orderby=${q('Thing/name desc')}`,
      ),
    ).toEqual(['Temperature of Container c-2', 'Temperature of Container c-1'])
    const ds = device.datastreams.fillingLevel!
    expect(
      await names(
        `/v1.1/Datastreams(${ds})/Observations?$filter=${q("Datastream/Thing/properties/address eq 'Street c-1' and result gt 10")}`,
      ),
    ).toEqual([30, 20])
    const hl = await get(
      `/v1.1/HistoricalLocations?$filter=${q(`Thing/@iot.id eq ${device.thingId}`)}&$count=true`,
    )
    expect(hl.body['@iot.count']).toBe(
      (await get(`/v1.1/Things(${device.thingId})/HistoricalLocations?$count=true`)).body['@iot.count'],
    )
    expect((await get(`/v1.1/Datastreams?$filter=${q("Thing/colour eq 'x'")}`)).status).toBe(400)
  })

  it('serves one property, its raw $value and $ref addresses (STA 9.2.4–9.2.6)', async () => {
    const t = device.thingId
    expect((await get(`/v1.1/Things(${t})/name`)).body).toEqual({ name: 'Container c-1' })
    const raw = await fetch(`${base}/v1.1/Things(${t})/name/$value`)
    expect([raw.status, raw.headers.get('content-type'), await raw.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'Container c-1',
    ])
    const loc = (await get(`/v1.1/Things(${t})/Locations`)).body.value as { '@iot.id': number }[]
    const geometry = await get(`/v1.1/Locations(${loc[0]!['@iot.id']})/location/$value`)
    expect(geometry.body).toEqual({ type: 'Point', coordinates: [11.57, 48.14] })
    expect((await get(`/v1.1/Datastreams(${device.datastreams.fillingLevel})/Thing/name`)).body).toEqual({
      name: 'Container c-1',
    })
    expect((await get(`/v1.1/Things(${t})/$ref`)).body).toEqual({
      '@iot.selfLink': `${base}/v1.1/Things(${t})`,
    })
    const refs = await get(`/v1.1/Things(${t})/Datastreams/$ref?$orderby=name`)
    expect(refs.body.value).toEqual([
      { '@iot.selfLink': `${base}/v1.1/Datastreams(${device.datastreams.fillingLevel})` },
      { '@iot.selfLink': `${base}/v1.1/Datastreams(${device.datastreams.temperature})` },
    ])
    expect((await fetch(`${base}/v1.1/Things(${t})/colour`)).status).toBe(404)
    expect((await fetch(`${base}/v1.1/Things(99999)/name`)).status).toBe(404)
  })

  it('lists Sensors and ObservedProperties with their Datastreams, filterable like the rest', async () => {
    const sensors = await get(
      `/v1.1/Sensors?$filter=${encodeURIComponent("name eq 'fill sensor'")}&$expand=Datastreams($count=true;$top=1)`,
    )
    expect(sensors.status, JSON.stringify(sensors.body)).toBe(200)
    const [sensor] = sensors.body.value as Record<string, unknown>[]
    expect(sensor).toMatchObject({ name: 'fill sensor', 'Datastreams@iot.count': 4 })
    const ops = (await get('/v1.1/ObservedProperties?$orderby=name')).body.value as {
      name: string
      '@iot.id': number
    }[]
    expect(ops.map((o) => o.name)).toEqual(['Filling level', 'Temperature'])
    const fills = await get(`/v1.1/ObservedProperties(${ops[0]!['@iot.id']})/Datastreams?$count=true`)
    expect(fills.body['@iot.count']).toBe(2)
    expect((await get('/v1.1/Sensors(999)/Datastreams')).status).toBe(404)
  })

  it('serves one Thing, its Datastreams and Locations', async () => {
    expect((await get(`/v1.1/Things(${device.thingId})`)).body.name).toBe('Container c-1')
    const ds = await get(`/v1.1/Things(${device.thingId})/Datastreams`)
    expect((ds.body.value as { name: string }[]).map((d) => d.name)).toEqual([
      'Fill level of Container c-1',
      'Temperature of Container c-1',
    ])
    const locs = await get(`/v1.1/Things(${device.thingId})/Locations`)
    expect((locs.body.value as Record<string, unknown>[])[0]?.location).toEqual({
      type: 'Point',
      coordinates: [11.57, 48.14],
    })
  })

  it('pages Observations of a Datastream newest first with @iot.nextLink', async () => {
    const id = device.datastreams.fillingLevel!
    const first = await get(`/v1.1/Datastreams(${id})/Observations?$top=2`)
    const value = first.body.value as Record<string, unknown>[]
    expect(value.map((o) => o.result)).toEqual([30, 20])
    expect(value[0]).toMatchObject({
      phenomenonTime: '2026-11-23T08:03:00.000Z',
      'Datastream@iot.navigationLink': expect.stringMatching(/\/Observations\(\d+\)\/Datastream$/),
    })
    const next = first.body['@iot.nextLink'] as string
    expect(next).toContain('%24skip=2')
    const rest = (await (await fetch(next)).json()) as {
      value: { result: number }[]
      '@iot.nextLink'?: string
    }
    expect(rest.value.map((o) => o.result)).toEqual([10])
    expect(rest['@iot.nextLink']).toBeUndefined()
    expect((await get(`/v1.1/Datastreams(${id})/ObservedProperty`)).body.definition).toBe(
      'https://example.org/fill',
    )
  })

  it('resolves every navigation link it emits', async () => {
    const id = device.datastreams.fillingLevel!
    const entities = [
      (await get(`/v1.1/Things(${device.thingId})`)).body,
      (await get(`/v1.1/Datastreams(${id})`)).body,
      ((await get(`/v1.1/Datastreams(${id})/Observations`)).body.value as Record<string, unknown>[])[0]!,
      ((await get(`/v1.1/Things(${device.thingId})/Locations`)).body.value as Record<string, unknown>[])[0]!,
      (
        (await get(`/v1.1/Things(${device.thingId})/HistoricalLocations`)).body.value as Record<
          string,
          unknown
        >[]
      )[0]!,
    ]
    const links = entities.flatMap((e) =>
      Object.entries(e)
        .filter(([k]) => k.endsWith('@iot.navigationLink') || k === '@iot.selfLink')
        .map(([, v]) => String(v)),
    )
    expect(links.length).toBe(19)
    for (const link of links) expect([link, (await fetch(link)).status]).toEqual([link, 200])
  })

  it('keeps where a Thing was: a move adds a HistoricalLocation, the Thing lists only where it is now', async () => {
    const thingOf = (await store.device('c-2'))!.thingId
    const history = async () =>
      (await get(`/v1.1/Things(${thingOf})/HistoricalLocations?$count=true`)).body as {
        '@iot.count': number
        value: Record<string, string>[]
      }
    expect((await history())['@iot.count']).toBe(1)
    // a new address at the same spot is no move
    await store.provisionDevice(
      sampleProvision('c-2', { lon: 11.58, lat: 48.14, address: 'Neuhauser Straße 8' }),
    )
    expect((await history())['@iot.count']).toBe(1)
    await store.provisionDevice(sampleProvision('c-2', { lon: 11.6, lat: 48.15 }))
    const h = await history()
    expect(h['@iot.count']).toBe(2)
    const coordinatesAt = async (entry: Record<string, string>) =>
      (
        (await (await fetch(entry['Locations@iot.navigationLink']!)).json()) as {
          value: { location: { coordinates: number[] } }[]
        }
      ).value.map((l) => l.location.coordinates)
    expect(await coordinatesAt(h.value[0]!)).toEqual([[11.6, 48.15]]) // newest first
    expect(await coordinatesAt(h.value[1]!)).toEqual([[11.58, 48.14]])
    expect(Date.parse(h.value[0]!.time!)).toBeGreaterThanOrEqual(Date.parse(h.value[1]!.time!))
    expect(
      ((await (await fetch(h.value[0]!['Thing@iot.navigationLink']!)).json()) as { name: string }).name,
    ).toBe('Container c-2')
    const now = (await get(`/v1.1/Things(${thingOf})/Locations`)).body.value as {
      location: { coordinates: number[] }
    }[]
    expect(now.map((l) => l.location.coordinates)).toEqual([[11.6, 48.15]])
    // and from the Location's side: the Thing there, and when it came
    const here = (await get(`/v1.1/Things(${thingOf})/Locations`)).body.value as Record<string, string>[]
    const arrivals = (await (await fetch(here[0]!['HistoricalLocations@iot.navigationLink']!)).json()) as {
      value: Record<string, string>[]
    }
    expect(arrivals.value.map((x) => x['@iot.id'])).toEqual([h.value[0]!['@iot.id']])
    const things = (await (await fetch(here[0]!['Things@iot.navigationLink']!)).json()) as {
      value: { name: string }[]
    }
    expect(things.value.map((t) => t.name)).toEqual(['Container c-2'])
    const expanded = (
      await get(`/v1.1/Locations(${here[0]!['@iot.id']})?$expand=HistoricalLocations($select=id)`)
    ).body
    expect(expanded.HistoricalLocations).toEqual([{ '@iot.id': h.value[0]!['@iot.id'] }])
    const all = await get('/v1.1/HistoricalLocations?$count=true')
    expect(all.body['@iot.count']).toBe(3) // c-1 once, c-2 twice
  })

  it.each([
    ['/v1.1/Things(999)', 404, 'NOT_FOUND'],
    ['/v1.1/HistoricalLocations(999)', 404, 'NOT_FOUND'],
    ['/v1.1/HistoricalLocations(999)/Locations', 404, 'NOT_FOUND'],
    ['/v1.1/Locations(999)/Things', 404, 'NOT_FOUND'],
    ['/v1.1/Locations(999)/HistoricalLocations', 404, 'NOT_FOUND'],
    ['/v1.1/Things(abc)', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$top=-1', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$filter=name eq 1', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$top=1&$top=2', 400, 'BAD_REQUEST'],
    ["/v1.1/Things?$filter=substring(name, 1e30) eq 'a'", 400, 'BAD_REQUEST'],
    ["/v1.1/HistoricalLocations?$filter=time add duration'P99999999999D' gt now()", 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$filter=Datastreams/name eq 1', 400, 'BAD_REQUEST'],
    ["/v1.1/Things?$filter=name eq 'a' and", 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$expand=Sensors', 400, 'BAD_REQUEST'],
    ['/v1.1/Datastreams?$expand=Thing($top=1)', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$expand=Datastreams($select=colour)', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$select=colour', 400, 'BAD_REQUEST'],
    ['/v1.1/Things?$select=properties/address', 400, 'BAD_REQUEST'],
    ['/v1.1/Things(1)?$nope=1', 400, 'BAD_REQUEST'],
    [`/v1.1/Datastreams(1)/Observations?$filter=parameters/x gt 1`, 400, 'BAD_REQUEST'],
    ["/v1.1/Locations?$filter=st_relate(location, geography'POINT(1 2)', 'T********')", 400, 'BAD_REQUEST'],
    ['/v1.1/Datastreams(999)/Observations', 404, 'NOT_FOUND'],
    ['/v1.1/Nope', 404, 'NOT_FOUND'],
  ])('answers %s with %i and a JSON error body', async (path, status, code) => {
    const r = await get(path)
    expect(r.status).toBe(status)
    expect(r.type).toMatch(/application\/json/)
    expect(r.body).toMatchObject({ code, message: expect.any(String) })
  })

  it('reduces a $top above the maximum to it and pages on with @iot.nextLink', async () => {
    const r = await get('/v1.1/Things?$top=51&$count=true')
    expect(r.status).toBe(200)
    expect((r.body.value as unknown[]).length).toBe(2)
    expect(r.body['@iot.count']).toBe(2)
    const one = await get("/v1.1/Things?$top=1&$filter=startswith(name, 'Container')")
    expect(new URL(one.body['@iot.nextLink'] as string).searchParams.get('$filter')).toBe(
      "startswith(name, 'Container')",
    )
  })

  it('filters and orders registry collections with $filter and $orderby (STA 9.3.3)', async () => {
    const names = async (path: string) => {
      const r = await get(path)
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return (r.body.value as { name: string }[]).map((t) => t.name)
    }
    const q = encodeURIComponent
    expect(await names(`/v1.1/Things?$filter=${q("name eq 'Container c-2'")}`)).toEqual(['Container c-2'])
    expect(await names(`/v1.1/Things?$filter=${q("properties/address eq 'Street c-1'")}`)).toEqual([
      'Container c-1',
    ])
    expect(await names(`/v1.1/Things?$orderby=${q('name desc')}`)).toEqual(['Container c-2', 'Container c-1'])
    expect(
      await names(`/v1.1/Things?$filter=${q("substringof('c-', name) and id gt 0")}&$orderby=id`),
    ).toEqual(['Container c-1', 'Container c-2'])
    // geometry: distance in SQL; a relation without an SQL form is evaluated in memory
    const near = `geo.distance(location, geography'POINT(11.5701 48.14)') lt 0.001`
    expect(await names(`/v1.1/Locations?$filter=${q(near)}`)).toEqual(['Street c-1'])
    // a box east of 11.575: which Locations lie in it, checked here by their coordinates
    const box = "geography'POLYGON((11.575 48.13, 11.59 48.13, 11.59 48.15, 11.575 48.15, 11.575 48.13))'"
    const all = (await get('/v1.1/Locations?$top=50')).body.value as {
      name: string
      location: { coordinates: [number, number] }
    }[]
    const inBox = all
      .filter(
        ({
          location: {
            coordinates: [x, y],
          },
        }) => x > 11.575 && x < 11.59 && y > 48.13 && y < 48.15,
      )
      .map((l) => l.name)
    expect(inBox.length).toBeGreaterThan(0)
    expect(inBox.length).toBeLessThan(all.length)
    expect(await names(`/v1.1/Locations?$filter=${q(`st_within(location, ${box})`)}&$top=50`)).toEqual(inBox)
    expect(
      await names(
        `/v1.1/Things(${device.thingId})/Datastreams?$filter=${q("unitOfMeasurement/symbol eq '%'")}`,
      ),
    ).toEqual(['Fill level of Container c-1'])
    const count = async (path: string) => (await get(path)).body['@iot.count']
    expect(await count(`/v1.1/Datastreams?$filter=${q("observationType ne 'x'")}&$count=true&$top=1`)).toBe(
      await count('/v1.1/Datastreams?$count=true&$top=1'),
    )
    expect(await count(`/v1.1/HistoricalLocations?$filter=${q('time lt now()')}&$count=true`)).toBe(
      await count('/v1.1/HistoricalLocations?$count=true'),
    )
    expect(await count(`/v1.1/HistoricalLocations?$filter=${q('time gt now()')}&$count=true`)).toBe(0)
  })

  it('filters and orders the Observations of a Datastream', async () => {
    const q = encodeURIComponent
    const results = async (query: string) => {
      const r = await get(`/v1.1/Datastreams(${device.datastreams.fillingLevel})/Observations?${query}`)
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return (r.body.value as { result: unknown }[]).map((o) => o.result)
    }
    expect(await results(`$filter=${q('result ge 20')}&$orderby=result`)).toEqual([20, 30])
    expect(await results(`$filter=${q('phenomenonTime lt 2026-11-23T08:02:30Z')}`)).toEqual([20, 10])
    expect(
      await results(
        `$filter=${q('minute(phenomenonTime) eq 3 or result eq 10')}&$orderby=${q('phenomenonTime')}`,
      ),
    ).toEqual([10, 30])
  })

  it('returns only what $select names, on collections and single entities (STA 9.3.3.2)', async () => {
    const list = await get('/v1.1/Things?$select=name,id&$orderby=id')
    expect(list.body.value).toEqual([
      { name: 'Container c-1', '@iot.id': device.thingId },
      { name: 'Container c-2', '@iot.id': expect.any(Number) },
    ])
    const one = await get(`/v1.1/Things(${device.thingId})?$select=Datastreams,description`)
    expect(one.body).toEqual({
      'Datastreams@iot.navigationLink': `${base}/v1.1/Things(${device.thingId})/Datastreams`,
      description: 'test container',
    })
    const obs = await get(
      `/v1.1/Datastreams(${device.datastreams.fillingLevel})/Observations?$select=result&$top=2`,
    )
    expect(obs.body.value).toEqual([{ result: 30 }, { result: 20 }])
    expect(obs.body['@iot.nextLink']).toContain('%24select=result')
  })

  it('answers $resultFormat=dataArray for Observations (OGC 18-088 14.3)', async () => {
    const ds = device.datastreams.fillingLevel!
    const r = await get(
      `/v1.1/Datastreams(${ds})/Observations?$resultFormat=dataArray&$select=phenomenonTime,result&$top=2&$count=true`,
    )
    expect(r.status).toBe(200)
    expect(r.body['@iot.count']).toBe(3)
    expect(r.body['@iot.nextLink']).toContain('resultFormat=dataArray')
    expect(r.body.value).toEqual([
      {
        'Datastream@iot.navigationLink': `${base}/v1.1/Datastreams(${ds})`,
        components: ['phenomenonTime', 'result'],
        'dataArray@iot.count': 2,
        dataArray: [
          ['2026-11-23T08:03:00.000Z', 30],
          ['2026-11-23T08:02:00.000Z', 20],
        ],
      },
    ])
    const all = await get(`/v1.1/Datastreams(${ds})/Observations?$resultFormat=dataArray&$top=1`)
    const [block] = all.body.value as { components: string[]; dataArray: unknown[][] }[]
    expect(block!.components.slice(0, 4)).toEqual(['id', 'phenomenonTime', 'resultTime', 'result'])
    expect(block!.dataArray[0]!.length).toBe(block!.components.length)
    expect((await get('/v1.1/Things?$resultFormat=dataArray')).status).toBe(400)
    expect(
      (await get(`/v1.1/Datastreams(${ds})/Observations?$resultFormat=dataArray&$select=name`)).status,
    ).toBe(400)
  })

  it('expands related entities inline with their own options: the Masterportal latest-values query', async () => {
    const q = encodeURIComponent
    const r = await get(
      `/v1.1/Things?$orderby=id&$select=name&$expand=${q('Locations($select=location),Datastreams($select=name;$orderby=name;$expand=Observations($top=1;$orderby=phenomenonTime desc;$select=result,phenomenonTime))')}`,
    )
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const [first, second] = r.body.value as {
      name: string
      Locations: { location: { coordinates: number[] } }[]
      Datastreams: { name: string; Observations: { result: unknown; phenomenonTime: string }[] }[]
    }[]
    expect(first!.name).toBe('Container c-1')
    expect(first!.Locations).toEqual([{ location: { type: 'Point', coordinates: [11.57, 48.14] } }])
    expect(first!.Datastreams.map((d) => [d.name, d.Observations])).toEqual([
      ['Fill level of Container c-1', [{ result: 30, phenomenonTime: '2026-11-23T08:03:00.000Z' }]],
      ['Temperature of Container c-1', []],
    ])
    expect(second!.Datastreams.every((d) => d.Observations.length === 0)).toBe(true)

    // a nested path, $count and a nextLink inside the expansion, navigation to a single entity
    const ds = device.datastreams.fillingLevel!
    const one = await get(
      `/v1.1/Datastreams(${ds})?$expand=${q('Thing($select=name),Observations($top=2;$count=true)')}`,
    )
    expect(one.body.Thing).toEqual({ name: 'Container c-1' })
    expect(one.body['Observations@iot.count']).toBe(3)
    expect((one.body.Observations as unknown[]).length).toBe(2)
    const link = new URL(one.body['Observations@iot.nextLink'] as string)
    const next = await get(link.pathname + link.search)
    expect((next.body.value as { result: number }[]).map((o) => o.result)).toEqual([10])
    const deep = await get(
      `/v1.1/Things(${device.thingId})?$expand=${q('Datastreams/Observations($filter=result gt 15)')}`,
    )
    const streams = deep.body.Datastreams as { Observations: { result: number }[] }[]
    expect(streams.flatMap((d) => d.Observations.map((o) => o.result)).sort()).toEqual([20, 30])
  })

  it('answers the Masterportal pattern from the latest-value index, as the unbatched path would', async () => {
    const q = encodeURIComponent
    const fast = `Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))`
    // a second sort key takes the same query off the index and through per-Datastream reads
    const slow = `Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc,id desc))`
    const both = async () => {
      const a = await get(`/v1.1/Things?$orderby=id&$expand=${q(fast)}`)
      const b = await get(`/v1.1/Things?$orderby=id&$expand=${q(slow)}`)
      expect(a.status, JSON.stringify(a.body)).toBe(200)
      expect(b.status).toBe(200)
      expect(a.body).toEqual(b.body)
      return a.body.value as { Datastreams: { '@iot.id': number; Observations: { result: unknown }[] }[] }[]
    }
    const before = await both()
    const temperature = device.datastreams.temperature!
    const latestOf = (things: typeof before, id: number) =>
      things.flatMap((t) => t.Datastreams).find((d) => d['@iot.id'] === id)!.Observations
    expect(latestOf(before, temperature)).toEqual([])

    // new readings show at once, an older one does not replace the newest
    await store.appendObservations([
      {
        datastreamId: temperature,
        phenomenonTime: '2026-11-23T09:00:00.000Z',
        resultTime: '2026-11-23T09:00:00.000Z',
        result: 4.5,
      },
    ])
    expect(latestOf(await both(), temperature)).toMatchObject([{ result: 4.5 }])
    await store.appendObservations([
      {
        datastreamId: temperature,
        phenomenonTime: '2026-11-23T07:00:00.000Z',
        resultTime: '2026-11-23T07:00:00.000Z',
        result: -1,
      },
    ])
    expect(latestOf(await both(), temperature)).toMatchObject([{ result: 4.5 }])

    // without $orderby the expansion offers the next page exactly when there is one
    const plain = await get(
      `/v1.1/Things(${device.thingId})?$expand=${q('Datastreams($expand=Observations($top=1))')}`,
    )
    const streams = plain.body.Datastreams as Record<string, unknown>[]
    for (const d of streams) expect(d['Observations@iot.nextLink']).toBeDefined() // both have 2+ now
    const other = (
      await get(`/v1.1/Things?$orderby=id&$skip=1&$expand=${q('Datastreams($expand=Observations($top=1))')}`)
    ).body.value as { Datastreams: Record<string, unknown>[] }[]
    expect(other[0]!.Datastreams.every((d) => !('Observations@iot.nextLink' in d))).toBe(true)
    // and a single Datastream's $top=1 page does the same at the top level
    const single = await get(`/v1.1/Datastreams(${temperature})/Observations?$top=1`)
    expect(single.body['@iot.nextLink']).toBeDefined()
    expect((single.body.value as { result: number }[]).map((o) => o.result)).toEqual([4.5])
  })

  it('never answers random ids and query options with a 5xx (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), async (id, top) => {
        const path = `/v1.1/Things(${encodeURIComponent(id)})/Datastreams?$top=${encodeURIComponent(top)}&$count=${encodeURIComponent(id)}`
        const res = await fetch(base + path)
        const body = (await res.json()) as Record<string, unknown>
        return res.status < 500 && (res.status === 200 || typeof body.code === 'string')
      }),
      { numRuns: 150 },
    )
  }, 60_000) // 150 real HTTP round trips: slow on a loaded machine

  it('never answers $filter, $orderby and $expand built from random pieces with a 5xx (fuzz)', async () => {
    const piece = fc.constantFrom(
      'name',
      'id',
      'description',
      'properties/address',
      'location',
      ' eq ',
      ' ne ',
      ' gt ',
      ' and ',
      ' or ',
      'not ',
      ' add ',
      ' mul ',
      '(',
      ')',
      ',',
      "'Container c-1'",
      "'x'",
      '1',
      '2.5',
      'null',
      'true',
      'now()',
      'length(',
      'substringof(',
      'year(',
      'geo.distance(',
      'st_within(',
      'round(',
      "geography'POINT(11.57 48.14)'",
      '2026-11-23T08:00:00Z',
      "duration'PT1H'",
      "duration'P99999999999D'",
      '1e30',
      'substring(',
      ' desc',
      ' ',
    )
    const text = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''))
    const navPiece = fc.constantFrom(
      'Datastreams',
      'Locations',
      'Observations',
      'Thing',
      'Sensor',
      'HistoricalLocations',
      '/',
      ',',
      '(',
      ')',
      ';',
      '$top=1',
      '$skip=1',
      '$count=true',
      '$select=name',
      '$select=result',
      '$orderby=id desc',
      "$filter=name eq 'x'",
      '$filter=result gt 1',
      '$expand=',
      'FeatureOfInterest',
      'Observations',
    )
    const expand = fc.array(navPiece, { minLength: 1, maxLength: 10 }).map((p) => p.join(''))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'Things',
          'Locations',
          'Datastreams',
          'HistoricalLocations',
          'FeaturesOfInterest',
          `Datastreams(${device.datastreams.fillingLevel!})/Observations`,
        ),
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.option(expand, { nil: undefined }),
        async (set, filter, orderby, nav) => {
          const params = new URLSearchParams()
          if (filter !== undefined) params.set('$filter', filter)
          if (orderby !== undefined) params.set('$orderby', orderby)
          if (nav !== undefined) params.set('$expand', nav)
          const res = await fetch(`${base}/v1.1/${set}?${params.toString().replaceAll('+', '%20')}`)
          const body = (await res.json()) as Record<string, unknown>
          return res.status < 500 && (res.status === 200 || typeof body.code === 'string')
        },
      ),
      { numRuns: 300 },
    )
  }, 60_000)

  it('serves the container layer as GeoJSON with the latest fill level', async () => {
    const r = await get('/api/layers/containers')
    expect(r.type).toMatch(/application\/geo\+json/)
    const features = r.body.features as { id: string; properties: Record<string, unknown> }[]
    expect(features.map((f) => [f.id, f.properties.fillLevel, f.properties.address])).toEqual([
      ['c-1', 30, 'Street c-1'],
      ['c-2', null, 'Street c-2'],
    ])
  })

  describe('operator quarantine view', () => {
    it('needs the operator key and lists quarantined messages with reasons and counts', async () => {
      await store.quarantine([
        {
          walSeq: 41,
          receivedAt: '2026-11-23T08:00:00.000Z',
          quarantinedAt: '2026-11-23T08:00:00.100Z',
          topic: 'urbantwin/v1/devices/ghost/up',
          clientId: 'x',
          category: 'unknown-device',
          reason: 'device ghost is not registered',
          payload: new TextEncoder().encode('{"fillingLevel":0.5}'),
          payloadBytes: 20,
        },
      ])
      expect((await fetch(`${base}/api/quarantine`)).status).toBe(401)
      const auth = { headers: { authorization: `Bearer ${ADMIN_KEY}` } }
      const list = (await (await fetch(`${base}/api/quarantine?$top=5`, auth)).json()) as {
        count: number
        value: Record<string, unknown>[]
      }
      expect(list.count).toBe(1)
      expect(list.value[0]).toMatchObject({
        walSeq: 41,
        category: 'unknown-device',
        reason: 'device ghost is not registered',
      })
      expect(Buffer.from(String(list.value[0]!.payloadBase64), 'base64').toString()).toBe(
        '{"fillingLevel":0.5}',
      )
      expect(await (await fetch(`${base}/api/quarantine/counts`, auth)).json()).toEqual({
        total: 1,
        byCategory: { 'unknown-device': 1 },
      })
      expect((await fetch(`${base}/api/quarantine?category=DROP TABLE`, auth)).status).toBe(400)
    })
  })

  describe('operator device registration', () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${base}/api/devices`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      })
    const valid = { deviceId: 'new-1', kind: 'clothing-container', name: 'New', lon: 11.5, lat: 48.1 }

    it('needs the operator key: 401 without, 403 with a wrong one', async () => {
      expect((await post(JSON.stringify(valid), {})).status).toBe(401)
      const wrong = await post(JSON.stringify(valid), { authorization: 'Bearer nope' })
      expect(wrong.status).toBe(403)
      expect(await wrong.json()).toMatchObject({ code: 'FORBIDDEN' })
      expect(registered).toHaveLength(0)
    })

    it('rejects malformed JSON, bad fields and unknown kinds with 400 and registers a valid device', async () => {
      const auth = { authorization: `Bearer ${ADMIN_KEY}` }
      const broken = await post('{"deviceId":', auth)
      expect([broken.status, ((await broken.json()) as { code: string }).code]).toEqual([400, 'BAD_REQUEST'])
      const bad = await post(JSON.stringify({ ...valid, lat: 123, deviceId: 'a/b' }), auth)
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { details: unknown[] }).details).toHaveLength(2)
      expect((await post(JSON.stringify({ ...valid, kind: 'toaster' }), auth)).status).toBe(400)
      const ok = await post(JSON.stringify(valid), auth)
      expect(ok.status).toBe(201)
      expect(registered.map((r) => r.deviceId)).toEqual(['new-1'])
    })
  })
})
