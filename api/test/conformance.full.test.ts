import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore, type StoreWithTimeSeries, type TimeSeriesOptions } from '@urbantwin/store'
import { forceFlush, startVictoriaMetrics, type VictoriaMetrics } from '@urbantwin/store/test-engines'
import { sampleProvision } from '@urbantwin/store/testing'
import { staticKeys } from './static-keys.ts'
import { sender, serve, type Served } from './serve.ts'

/**
 * SensorThings API v1.1 by conformance class (OGC 18-088 Annex A), the same suite on each store
 * backend: the embedded DuckDB and VictoriaMetrics (Debian's `victoria-metrics`) behind the same
 * registry. Data goes in through the API itself (POST, CreateObservations), as a client's would.
 * The classes not listed here: Batch Requests (A.4) is not served yet; the MQTT extension (A.5) has
 * its own suites in broker/ and test/.
 */
const OPERATOR = 'conformance-operator-key'
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 20)
const iso = (ms: number) => new Date(ms).toISOString()

type Backend = {
  name: string
  open(dir: string): Promise<{ options: TimeSeriesOptions; flush(): Promise<void>; stop(): Promise<void> }>
}

const BACKENDS: Backend[] = [
  {
    name: 'DuckDB',
    open: async () => ({ options: { backend: 'duckdb' }, flush: async () => {}, stop: async () => {} }),
  },
  {
    name: 'VictoriaMetrics',
    open: async () => {
      const vm: VictoriaMetrics = await startVictoriaMetrics()
      return {
        options: { backend: 'victoriametrics', url: vm.url, timeoutMs: 5000 },
        flush: () => forceFlush(vm.url),
        stop: async () => {
          await vm.stop('SIGKILL')
          vm.remove()
        },
      }
    },
  },
]

describe.each(BACKENDS)('SensorThings API v1.1 conformance on $name', (backend) => {
  let dir: string
  let engine: Awaited<ReturnType<Backend['open']>>
  let store: StoreWithTimeSeries
  let api: Served
  let base: string
  let thingId: number
  let fill: number
  let temp: number

  const send = sender(() => base, OPERATOR)
  const get = (path: string) => send('GET', path)
  const values = async (path: string) => {
    const r = await get(path)
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200)
    return r.body.value as Record<string, unknown>[]
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ut-conformance-'))
    engine = await backend.open(dir)
    store = await openStore({ path: join(dir, 'urbantwin.duckdb'), timeSeries: engine.options })
    const d = await store.provisionDevice(sampleProvision('conf-1', { lon: 11.57, lat: 48.14 }))
    await store.provisionDevice(sampleProvision('conf-2', { lon: 11.6, lat: 48.2 }))
    thingId = d.thingId
    fill = d.datastreams.fillingLevel!
    temp = d.datastreams.temperature!
    api = await serve({
      store,
      maxTop: 1000,
      auth: staticKeys({ [OPERATOR]: 'operator' }),
    })
    base = api.base
    // 48 hourly fill levels, a text reading, and temperatures through CreateObservations
    for (let h = 0; h < 48; h++) {
      const r = await send('POST', `/v1.1/Datastreams(${fill})/Observations`, {
        phenomenonTime: iso(T0 + h * HOUR),
        result: h,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
    }
    expect(
      (
        await send('POST', '/v1.1/Observations', {
          phenomenonTime: iso(T0 + 30 * 60_000),
          result: 'lid open',
          Datastream: { '@iot.id': fill },
        })
      ).status,
    ).toBe(201)
    const created = await send('POST', '/v1.1/CreateObservations', [
      {
        Datastream: { '@iot.id': temp },
        components: ['phenomenonTime', 'result'],
        dataArray: [0, 1, 2].map((h) => [iso(T0 + h * HOUR), 10 + h]),
      },
    ])
    expect(created.status).toBe(201)
    await engine.flush()
    await vi.waitFor(
      async () =>
        expect(
          (await get(`/v1.1/Datastreams(${fill})/Observations?$count=true&$top=0`)).body['@iot.count'],
        ).toBe(49),
      {
        timeout: 30_000,
        interval: 250,
      },
    )
    await vi.waitFor(
      async () =>
        expect(
          (await get(`/v1.1/Datastreams(${temp})/Observations?$count=true&$top=0`)).body['@iot.count'],
        ).toBe(3),
      {
        timeout: 30_000,
        interval: 250,
      },
    )
  }, 120_000)

  afterAll(async () => {
    await api?.close()
    await store?.close()
    await engine?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  describe('A.1 Sensing Core', () => {
    it('serves the service root with every entity set it lists resolvable, and serverSettings', async () => {
      const root = await get('/v1.1')
      const sets = root.body.value as { name: string; url: string }[]
      expect(sets.length).toBe(9)
      for (const s of sets) {
        const res = await fetch(s.url)
        // a time-series engine lists Observations of one Datastream at a time (documented 501)
        if (backend.name !== 'DuckDB' && s.name === 'Observations') {
          expect(res.status, s.url).toBe(501)
          expect(JSON.stringify(await res.json())).toMatch(/Datastream/)
        } else expect(res.status, s.url).toBe(200)
      }
      expect((root.body.serverSettings as { conformance: string[] }).conformance).toContain(
        'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
      )
    })

    it('gives every entity @iot.id and @iot.selfLink, and every navigation link resolves', async () => {
      for (const path of [`/v1.1/Things(${thingId})`, `/v1.1/Datastreams(${fill})`]) {
        const e = (await get(path)).body
        expect(e['@iot.selfLink']).toBe(`${base}${path}`)
        for (const [k, v] of Object.entries(e))
          if (k.endsWith('@iot.navigationLink')) expect((await fetch(String(v))).status, String(v)).toBe(200)
      }
    })

    it('reads Observations of a Datastream newest first, numeric and text alike, with stable ids', async () => {
      const obs = await values(`/v1.1/Datastreams(${fill})/Observations?$top=3`)
      expect(obs.map((o) => o.result)).toEqual([47, 46, 45])
      const text = await values(`/v1.1/Datastreams(${fill})/Observations?$skip=47&$top=2`)
      expect(text.map((o) => o.result)).toEqual(['lid open', 0])
      for (const o of [...obs, ...text])
        expect((await get(new URL(String(o['@iot.selfLink'])).pathname)).body).toEqual(o)
    })

    it('answers properties, $value and $ref (STA 9.2.4–9.2.6)', async () => {
      expect((await get(`/v1.1/Things(${thingId})/name`)).body).toEqual({ name: 'Container conf-1' })
      expect(await (await fetch(`${base}/v1.1/Things(${thingId})/name/$value`)).text()).toBe(
        'Container conf-1',
      )
      const refs = (await get(`/v1.1/Things(${thingId})/Datastreams/$ref`)).body.value as Record<
        string,
        unknown
      >[]
      expect(refs.every((r) => Object.keys(r).join() === '@iot.selfLink')).toBe(true)
    })

    it("serves FeaturesOfInterest: an Observation made at its Thing's Location", async () => {
      const [o] = await values(`/v1.1/Datastreams(${fill})/Observations?$top=1&$expand=FeatureOfInterest`)
      const foi = o!.FeatureOfInterest as Record<string, unknown>
      expect(foi.feature).toEqual({ type: 'Point', coordinates: [11.57, 48.14] })
      const back = await get(
        `/v1.1/FeaturesOfInterest(${String(foi['@iot.id'])})/Observations?$count=true&$top=1`,
      )
      expect(back.body['@iot.count']).toBe(49 + 3)
    })
  })

  describe('A.2 Filtering Extension', () => {
    it('filters and orders Observations by time and result', async () => {
      const q = encodeURIComponent(
        `phenomenonTime ge ${iso(T0 + 10 * HOUR)} and phenomenonTime lt ${iso(T0 + 14 * HOUR)} and result ge 11`,
      )
      const obs = await values(`/v1.1/Datastreams(${fill})/Observations?$filter=${q}&$orderby=result asc`)
      expect(obs.map((o) => o.result)).toEqual([11, 12, 13])
    })

    it('lists /Observations of one Datastream named by the filter; across all only on DuckDB (501 on an engine)', async () => {
      const q = encodeURIComponent(`Datastream/@iot.id eq ${temp} and result ge 11`)
      const obs = await values(`/v1.1/Observations?$filter=${q}&$orderby=phenomenonTime`)
      expect(obs.map((o) => o.result)).toEqual([11, 12])
      const all = await get('/v1.1/Observations?$top=1&$count=true')
      if (backend.name === 'DuckDB') {
        expect(all.status).toBe(200)
        expect(all.body['@iot.count']).toBe(52)
      } else {
        expect(all.status).toBe(501)
        expect(String(all.body.message)).toMatch(/Datastream\/@iot\.id eq/)
      }
    })

    it('pages with $top, $skip, $count and a resolvable @iot.nextLink', async () => {
      const first = await get(`/v1.1/Datastreams(${fill})/Observations?$top=20&$count=true`)
      expect(first.body['@iot.count']).toBe(49)
      const seen = (first.body.value as unknown[]).length
      const next = await get(
        new URL(String(first.body['@iot.nextLink'])).pathname +
          new URL(String(first.body['@iot.nextLink'])).search,
      )
      expect(seen + (next.body.value as unknown[]).length).toBe(40)
    })

    it('selects and expands with nested options: the Masterportal latest-values query', async () => {
      const q = encodeURIComponent(
        'Locations($select=location),Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc;$select=result))',
      )
      const things = await values(`/v1.1/Things?$filter=id eq ${thingId}&$select=name&$expand=${q}`)
      const streams = things[0]!.Datastreams as { name: string; Observations: { result: unknown }[] }[]
      expect(streams.map((d) => [d.name, d.Observations])).toEqual([
        ['Fill level of Container conf-1', [{ result: 47 }]],
        ['Temperature of Container conf-1', [{ result: 12 }]],
      ])
    })

    it("aggregates per interval on the store's engine ($aggregate extension)", async () => {
      const q = encodeURIComponent(
        `phenomenonTime ge ${iso(T0)} and phenomenonTime lt ${iso(T0 + 48 * HOUR)}`,
      )
      const days = await values(
        `/v1.1/Datastreams(${fill})/Observations?$aggregate=max&$interval=P1D&$filter=${q}`,
      )
      expect(days.map((d) => d.result)).toEqual([23, 47])
      const avg = await values(
        `/v1.1/Datastreams(${fill})/Observations?$aggregate=avg&$interval=P1D&$filter=${q}`,
      )
      expect(avg.map((d) => d.result)).toEqual([11.5, 35.5])
    })

    it('answers unsupported constructs with a 400 that says what', async () => {
      const r = await get(`/v1.1/Things?$filter=${encodeURIComponent('Datastreams/name eq 1 and')}`)
      expect(r.status).toBe(400)
      expect(typeof r.body.message).toBe('string')
    })
  })

  describe('A.3 Create-Update-Delete (Observations)', () => {
    it('creates an Observation and refuses a second one at the same time', async () => {
      const body = { phenomenonTime: iso(T0 + 100 * HOUR), result: 99 }
      const r = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, body)
      expect(r.status).toBe(201)
      await engine.flush()
      await vi.waitFor(
        async () =>
          expect((await get(new URL(String(r.body['@iot.selfLink'])).pathname)).body.result).toBe(99),
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      const again = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, body)
      // DuckDB knows it exists; an engine cannot tell a rewrite from a new point
      expect(again.status).toBe(backend.name === 'DuckDB' ? 409 : 201)
    })

    it('creates a Thing with a Datastream inline (deep insert), which then takes Observations', async () => {
      const created = await send('POST', '/v1.1/Things', {
        name: 'Posted container',
        description: 'deep insert',
        Locations: [
          {
            name: 'Site',
            description: 'island',
            encodingType: 'application/geo+json',
            location: { type: 'Point', coordinates: [11.58, 48.14] },
          },
        ],
        Datastreams: [
          {
            name: 'Posted fill level',
            description: 'fill',
            unitOfMeasurement: {
              name: 'percent',
              symbol: '%',
              definition: 'http://unitsofmeasure.org/ucum.html#para-29',
            },
            observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
            Sensor: {
              name: 'Posted sensor',
              description: 's',
              encodingType: 'text/html',
              metadata: 'https://example.org/p',
            },
            ObservedProperty: {
              name: 'Fill',
              definition: 'https://example.org/def/posted-fill',
              description: 'f',
            },
          },
        ],
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const ds = (await values(`/v1.1/Things(${created.body['@iot.id']})/Datastreams`))[0]!
      const o = await send('POST', `/v1.1/Datastreams(${ds['@iot.id']})/Observations`, {
        phenomenonTime: iso(T0),
        result: 61,
      })
      expect(o.status).toBe(201)
      await engine.flush()
      await vi.waitFor(
        async () =>
          expect(
            (await values(`/v1.1/Datastreams(${ds['@iot.id']})/Observations`)).map((x) => x.result),
          ).toEqual([61]),
        { timeout: 30_000, interval: 250 },
      )
    })

    it('deletes a Datastream with all its Observations, also the numbers an engine keeps', async () => {
      const ds = await send('POST', `/v1.1/Things(${thingId})/Datastreams`, {
        name: 'Doomed',
        description: 'to be deleted',
        unitOfMeasurement: {
          name: 'percent',
          symbol: '%',
          definition: 'http://unitsofmeasure.org/ucum.html#para-29',
        },
        observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        Sensor: { '@iot.id': (await store.datastream(fill))!.sensorId },
        ObservedProperty: { name: 'Doom', definition: 'https://example.org/conf/doom', description: 'd' },
      })
      expect(ds.status, JSON.stringify(ds.body)).toBe(201)
      const id = ds.body['@iot.id'] as number
      const made = await send('POST', '/v1.1/CreateObservations', [
        {
          Datastream: { '@iot.id': id },
          components: ['phenomenonTime', 'result'],
          dataArray: [
            [iso(T0), 1],
            [iso(T0 + HOUR), 2],
            [iso(T0 + 2 * HOUR), 'text'],
          ],
        },
      ])
      expect(made.status).toBe(201)
      await engine.flush()
      await vi.waitFor(
        async () => expect((await values(`/v1.1/Datastreams(${id})/Observations`)).length).toBe(3),
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      expect((await send('DELETE', `/v1.1/Datastreams(${id})`)).status).toBe(200)
      await engine.flush()
      expect((await get(`/v1.1/Datastreams(${id})`)).status).toBe(404)
      for (const link of made.body as unknown as string[])
        expect((await get(new URL(link).pathname)).status, link).toBe(404)
      await vi.waitFor(
        async () =>
          expect((await store.timeSeries.range(id, { limit: 10, offset: 0, order: 'asc' })).count).toBe(0),
        {
          timeout: 30_000,
          interval: 250,
        },
      )
    })

    it('changes and deletes an Observation the registry keeps; one an engine keeps is a 501 there', async () => {
      const text = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
        phenomenonTime: iso(T0 + 101 * HOUR),
        result: 'n/a',
      })
      const textPath = new URL(String(text.body['@iot.selfLink'])).pathname
      const fixed = await send('PATCH', textPath, { result: 'lid jammed' })
      expect(fixed.status).toBe(200)
      expect((await get(textPath)).body.result).toBe('lid jammed')
      expect((await send('DELETE', textPath)).status).toBe(200)
      const num = await send('POST', `/v1.1/Datastreams(${temp})/Observations`, {
        phenomenonTime: iso(T0 + 102 * HOUR),
        result: 5,
      })
      await engine.flush()
      const numPath = new URL(String(num.body['@iot.selfLink'])).pathname
      if (backend.name === 'DuckDB') {
        expect((await send('PATCH', numPath, { result: 6 })).body.result).toBe(6)
        expect((await send('DELETE', numPath)).status).toBe(200)
      } else {
        await vi.waitFor(async () => expect((await send('PATCH', numPath, { result: 6 })).status).toBe(501), {
          timeout: 30_000,
          interval: 250,
        })
        await vi.waitFor(async () => expect((await send('DELETE', numPath)).status).toBe(501), {
          timeout: 30_000,
          interval: 250,
        })
      }
    })
  })

  describe('A.5 MultiDatastream Extension', () => {
    it('creates a MultiDatastream, stores its array results beside the engine, and deletes them with it', async () => {
      const om = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/'
      const made = await send('POST', `/v1.1/Things(${thingId})/MultiDatastreams`, {
        name: 'Fill and lid',
        description: 'two at once',
        unitOfMeasurements: [
          { name: 'percent', symbol: '%', definition: 'http://unitsofmeasure.org/ucum.html#para-29' },
          { name: 'none', symbol: '', definition: '' },
        ],
        observationType: `${om}OM_ComplexObservation`,
        multiObservationDataTypes: [`${om}OM_Measurement`, `${om}OM_TruthObservation`],
        Sensor: { name: 'combo', description: 'c', encodingType: 'text/plain', metadata: 'combo' },
        ObservedProperties: [
          { name: 'Fill', definition: 'https://example.org/conf/fill', description: 'f' },
          { name: 'Lid open', definition: 'https://example.org/conf/lid', description: 'l' },
        ],
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      const id = made.body['@iot.id'] as number
      const path = `/v1.1/MultiDatastreams(${id})/Observations`
      for (const [h, result] of [
        [0, [10, false]],
        [1, [55.5, true]],
      ] as const)
        expect((await send('POST', path, { phenomenonTime: iso(T0 + h * HOUR), result })).status).toBe(201)
      expect((await send('POST', path, { result: [1, 'yes'] })).status).toBe(400)
      const obs = await values(path)
      expect(obs.map((o) => o.result)).toEqual([
        [55.5, true],
        [10, false],
      ])
      expect(obs[0]!['MultiDatastream@iot.navigationLink']).toBe(
        `${base}/v1.1/Observations(${obs[0]!['@iot.id']})/MultiDatastream`,
      )
      const [t] = await values(
        `/v1.1/Things?$filter=id eq ${thingId}&$expand=${encodeURIComponent('MultiDatastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))')}`,
      )
      expect((t!.MultiDatastreams as { Observations: { result: unknown }[] }[])[0]!.Observations).toEqual([
        expect.objectContaining({ result: [55.5, true] }),
      ])
      expect((await send('DELETE', `/v1.1/MultiDatastreams(${id})`)).status).toBe(200)
      expect((await get(`/v1.1/Observations(${obs[0]!['@iot.id']})`)).status).toBe(404)
      expect((await get(`/v1.1/MultiDatastreams(${id})`)).status).toBe(404)
    })
  })

  describe('A.6 Data Array Extension', () => {
    it('answers $resultFormat=dataArray with components once and one row per Observation', async () => {
      const r = await get(
        `/v1.1/Datastreams(${temp})/Observations?$resultFormat=dataArray&$select=phenomenonTime,result&$filter=${encodeURIComponent(`phenomenonTime lt ${iso(T0 + 3 * HOUR)}`)}`,
      )
      const [group] = r.body.value as { components: string[]; dataArray: unknown[][] }[]
      expect(group!.components).toEqual(['phenomenonTime', 'result'])
      expect(group!.dataArray).toEqual([
        [iso(T0 + 2 * HOUR), 12],
        [iso(T0 + HOUR), 11],
        [iso(T0), 10],
      ])
    })
  })
})
