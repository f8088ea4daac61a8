import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { createApp, type AppDeps } from '../src/index.ts'
import { servedRoutes } from './express-routes.ts'
import { staticKeys } from './static-keys.ts'

type Json = Record<string, unknown>
type Doc = { paths: Record<string, Record<string, Json>>; components: Json }

const OPERATOR = 'key-operator'
const auth = { authorization: `Bearer ${OPERATOR}` }

function appDeps(store: Store, options: Partial<AppDeps> = {}): AppDeps {
  return {
    store,
    log: silentLogger,
    auth: staticKeys({ [OPERATOR]: 'operator' }),
    devices: {
      register: async (r) => ({
        deviceId: r.deviceId,
        thingId: 1,
        datastreams: { fillingLevel: 1 },
        mqtt: { username: r.deviceId, password: 'secret', topic: `urbantwin/v1/devices/${r.deviceId}/up` },
      }),
    },
    // the MQTT login routes, served (their behaviour is tested with the platform)
    mqttAccounts: {
      list: async () => [],
      create: async () => 'exists',
      rotate: async () => null,
      revoke: async () => null,
    },
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'up 1\n' }),
    ...options,
  }
}

/** The document's operations as `method path`. */
const documented = (doc: Doc) =>
  Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    .sort()

/** Attribute values that make a browser load or link something, and CSS references. */
const htmlRefs = (html: string) =>
  [...html.matchAll(/\b(?:src|href|action|srcset)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!)
const loadedRefs = (html: string) =>
  [...html.matchAll(/<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map(
    (m) => m[1]!,
  )
const cssRefs = (css: string) => [
  ...[...css.matchAll(/@import\s+(?:url\()?\s*["']?([^"')\s;]+)/gi)].map((m) => m[1]!),
  ...[...css.matchAll(/url\(\s*["']?([^"')]+)/gi)].map((m) => m[1]!),
]
/** Same origin: a path on this host, never `//host` or a scheme (data: URIs are inline, not requests). */
const sameOrigin = (ref: string) => (ref.startsWith('/') && !ref.startsWith('//')) || ref.startsWith('#')
const inline = (ref: string) => ref.startsWith('data:') || ref.startsWith('#')

describe('API documents and reference pages over real HTTP', () => {
  let store: Store
  let server: Server
  let base: string
  let doc: Doc
  let datastreamId: number
  const app = () => createApp(appDeps(store))

  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
    await store.provisionDevice(sampleProvision('docs-1', { lon: 11.57, lat: 48.14 }))
    server = app().listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as Doc
    const ds = (await (await fetch(`${base}/v1.1/Datastreams?$top=1`)).json()) as { value: Json[] }
    datastreamId = Number(ds.value[0]!['@iot.id'])
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await store.close()
  })

  /** Validates a response against what the document says `method template` answers with its status and type. */
  function validator() {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(ajv)
    ajv.addSchema({ $id: 'urn:urbantwin:openapi', components: doc.components })
    return async (method: string, template: string, res: Response) => {
      const op = doc.paths[template]?.[method] as { responses: Record<string, Json> } | undefined
      expect(op, `${method} ${template} is documented`).toBeDefined()
      let answer = op!.responses[String(res.status)]
      expect(answer, `${method} ${template} documents ${res.status}`).toBeDefined()
      if (typeof answer!.$ref === 'string')
        answer = (doc.components.responses as Json)[answer!.$ref.split('/').pop()!] as Json
      if (!answer!.content) {
        expect(await res.text(), `${method} ${template} ${res.status} has no body`).toBe('')
        return null
      }
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!
      const media = (answer!.content as Record<string, { schema: Json }> | undefined)?.[type]
      expect(media, `${method} ${template} ${res.status} documents ${type}`).toBeDefined()
      const body: unknown = type.includes('json') ? await res.json() : await res.text()
      const schema = JSON.parse(
        JSON.stringify(media!.schema).replaceAll('"#/components/', '"urn:urbantwin:openapi#/components/'),
      )
      const validate = ajv.compile(schema)
      expect(validate(body), `${method} ${template}: ${ajv.errorsText(validate.errors)}`).toBe(true)
      return body
    }
  }

  it('serves both documents anonymously, with CORS like the other GETs, even when open data needs a key', async () => {
    const closed = createApp(appDeps(store, { anonymousRead: false })).listen(0, '127.0.0.1')
    await new Promise((r) => closed.once('listening', r))
    try {
      const at = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
      for (const path of ['/api/openapi.json', '/api/asyncapi.json', '/docs', '/docs/mqtt']) {
        const res = await fetch(`${at}${path}`, { headers: { origin: 'https://portal.example.org' } })
        expect(res.status, path).toBe(200)
        expect(res.headers.get('access-control-allow-origin'), path).toBe('*')
      }
      expect((await fetch(`${at}/v1.1/Things`)).status).toBe(401) // the control: the data itself is closed
      const closedDoc = (await (await fetch(`${at}/api/openapi.json`)).json()) as Doc
      expect(closedDoc.paths['/v1.1/Things']!.get!.security).toEqual([
        { bearerAuth: ['admin', 'operator', 'reader'] },
        { apiKeyHeader: ['admin', 'operator', 'reader'] },
      ])
    } finally {
      closed.closeAllConnections()
      await new Promise((r) => closed.close(r))
    }
    const async = (await (await fetch(`${base}/api/asyncapi.json`)).json()) as {
      asyncapi: string
      servers: Json
    }
    expect(async.asyncapi).toBe('3.0.0')
    expect(JSON.stringify(async.servers)).toContain('"default":"127.0.0.1:')
  })

  it('documents exactly the routes Express serves: every route is in the paths, every path is routed', () => {
    const served = servedRoutes(app())
    expect(served.length).toBeGreaterThan(50)
    // a route the table lacks: add a line to api/src/docs/operations.ts
    expect(
      served.filter((r) => !documented(doc).includes(r)),
      'served but not documented',
    ).toEqual([])
    expect(
      documented(doc).filter((r) => !served.includes(r)),
      'documented but not served',
    ).toEqual([])
  })

  it('answers every documented GET with something other than the router’s "no resource" 404', async () => {
    const gets = Object.entries(doc.paths).filter(([, ops]) => ops.get)
    for (const [template, ops] of gets) {
      const property = (ops.get!.parameters as Json[] | undefined)?.find((p) => p.name === 'property')
      const firstProperty = (property?.schema as { enum?: string[] } | undefined)?.enum?.[0] ?? 'name'
      const path = template.replaceAll('{id}', String(datastreamId)).replaceAll('{property}', firstProperty)
      const res = await fetch(`${base}${path}`, { headers: auth })
      const body = await res.text()
      expect(body, `GET ${path}`).not.toContain('no resource at')
    }
  })

  it('answers as documented: entities, collections, expansions, aggregates, writes, layers and errors', async () => {
    const check = validator()
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers })
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const things = (await check('get', '/v1.1/Things', await get('/v1.1/Things'))) as { value: Json[] }
    expect(things.value.length).toBeGreaterThan(0)
    const created = await post(`/v1.1/Datastreams(${datastreamId})/Observations`, {
      phenomenonTime: '2026-11-23T08:00:00Z',
      result: 42.5,
    })
    const observation = (await check('post', '/v1.1/Datastreams({id})/Observations', created)) as Json
    await check(
      'post',
      '/v1.1/Datastreams({id})/Observations',
      await post(`/v1.1/Datastreams(${datastreamId})/Observations`, {
        phenomenonTime: '2026-11-23T08:00:00Z',
        result: 1,
      }),
    ) // 409 with the error body
    await check(
      'post',
      '/v1.1/CreateObservations',
      await post('/v1.1/CreateObservations', [
        {
          Datastream: { '@iot.id': datastreamId },
          components: ['phenomenonTime', 'result'],
          dataArray: [
            ['2026-11-23T09:00:00Z', 43],
            ['x', 1],
          ],
        },
      ]),
    )
    const cases: Array<[string, string]> = [
      ['/v1.1', '/v1.1'],
      ['/v1.1/Things?$count=true&$top=1', '/v1.1/Things'],
      [
        '/v1.1/Things?$expand=Locations,Datastreams($expand=Observations($top=1;$orderby=phenomenonTime desc))',
        '/v1.1/Things',
      ],
      ['/v1.1/Things?$resultFormat=GeoJSON', '/v1.1/Things'],
      ['/v1.1/Things?$resultFormat=CSV', '/v1.1/Things'],
      [`/v1.1/Things(${things.value[0]!['@iot.id']})?$expand=HistoricalLocations`, '/v1.1/Things({id})'],
      ['/v1.1/Locations', '/v1.1/Locations'],
      ['/v1.1/HistoricalLocations?$expand=Thing,Locations', '/v1.1/HistoricalLocations'],
      ['/v1.1/Datastreams?$expand=Thing,Sensor,ObservedProperty', '/v1.1/Datastreams'],
      [`/v1.1/Datastreams(${datastreamId})/Observations`, '/v1.1/Datastreams({id})/Observations'],
      [
        `/v1.1/Datastreams(${datastreamId})/Observations?$resultFormat=dataArray`,
        '/v1.1/Datastreams({id})/Observations',
      ],
      [
        `/v1.1/Datastreams(${datastreamId})/Observations?$aggregate=avg&$interval=PT1H&$filter=phenomenonTime ge 2026-11-23T00:00:00Z and phenomenonTime lt 2026-11-24T00:00:00Z`,
        '/v1.1/Datastreams({id})/Observations',
      ],
      [
        `/v1.1/Datastreams(${datastreamId})/Observations?$expand=Datastream,FeatureOfInterest`,
        '/v1.1/Datastreams({id})/Observations',
      ],
      [`/v1.1/Datastreams(${datastreamId})/name`, '/v1.1/Datastreams({id})/{property}'],
      [`/v1.1/Datastreams(${datastreamId})/name/$value`, '/v1.1/Datastreams({id})/{property}/$value'],
      [`/v1.1/Datastreams(${datastreamId})/$ref`, '/v1.1/Datastreams({id})/$ref'],
      ['/v1.1/Sensors', '/v1.1/Sensors'],
      ['/v1.1/Sensors/$ref?$count=true', '/v1.1/Sensors/$ref'],
      ['/v1.1/ObservedProperties', '/v1.1/ObservedProperties'],
      ['/v1.1/FeaturesOfInterest', '/v1.1/FeaturesOfInterest'],
      ['/v1.1/Things(999999)', '/v1.1/Things({id})'],
      ['/v1.1/Things?$top=x', '/v1.1/Things'],
      ['/api/layers/containers', '/api/layers/containers'],
      ['/api/health', '/api/health'],
      ['/api/quarantine', '/api/quarantine'],
    ]
    for (const [path, template] of cases) await check('get', template, await get(path))
    await check('get', '/api/quarantine/counts', await get('/api/quarantine/counts', auth))
    await check('get', '/api/quarantine', await get('/api/quarantine?$top=5', auth))
    await check('get', '/metrics', await get('/metrics', auth))
    await check('get', '/v1.1/catalogue', await get('/v1.1/catalogue'))
    const remove = (id: unknown) =>
      fetch(`${base}/v1.1/Observations(${String(id)})`, { method: 'DELETE', headers: auth })
    await check('delete', '/v1.1/Observations({id})', await remove(observation['@iot.id']))
    await check('delete', '/v1.1/Observations({id})', await remove(observation['@iot.id'])) // now a 404
    const patch = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const thingId = String(things.value[0]!['@iot.id'])
    await check(
      'patch',
      '/v1.1/Things({id})',
      await patch(`/v1.1/Things(${thingId})`, { description: 'patched' }),
    )
    await check('patch', '/v1.1/Things({id})', await patch(`/v1.1/Things(${thingId})`, { Datastreams: [] }))
    const device = { deviceId: 'docs-2', kind: 'clothing-container', name: 'Docs', lon: 11.5, lat: 48.1 }
    await check('post', '/api/devices', await post('/api/devices', device))
    await check('post', '/api/devices', await post('/api/devices', { ...device, lat: 123 }))
  })

  it('flags a response that does not match (the check can fail)', async () => {
    const ajv = new Ajv2020({ strict: false })
    addFormats.default(ajv)
    ajv.addSchema({ $id: 'urn:urbantwin:openapi', components: doc.components })
    const thing = ajv.getSchema('urn:urbantwin:openapi#/components/schemas/Thing')!
    const json = ((await (await fetch(`${base}/v1.1/Things`)).json()) as { value: Json[] }).value[0]!
    expect(thing(json)).toBe(true)
    expect(thing({ ...json, '@iot.id': 'one' })).toBe(false)
    expect(thing({ ...json, deviceId: 'leaked' })).toBe(false)
  })

  it('/docs loads only what the platform serves, and each of it answers 200', async () => {
    const res = await fetch(`${base}/docs`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).not.toMatch(/https?:|\*/)
    const html = await res.text()
    expect(html).toMatch(/<html lang="en">/)
    expect(
      htmlRefs(html).filter((r) => !sameOrigin(r)),
      'links off the host',
    ).toEqual([])
    const loaded = loadedRefs(html)
    expect(loaded).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']),
    )
    for (const ref of loaded) {
      const asset = await fetch(`${base}${ref}`)
      expect(asset.status, ref).toBe(200)
      const body = await asset.text()
      if (ref.endsWith('.css')) {
        expect(
          cssRefs(body).filter((r) => !inline(r) && !sameOrigin(r)),
          `${ref}: @import/url() off the host`,
        ).toEqual([])
        expect(body, `${ref}: web fonts`).not.toMatch(/@font-face/i)
      }
      if (ref.endsWith('.js')) {
        // bundled libraries mention URLs in strings (specs, licences); what would load is a CDN or font host
        expect(body, ref).not.toMatch(
          /fonts\.(googleapis|gstatic)\.com|unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com/,
        )
        expect(body, ref).not.toContain('petstore.swagger.io')
      }
    }
    expect((await fetch(`${base}/docs/assets/swagger-initializer.js`)).status).toBe(404) // the petstore start-up
    expect((await fetch(`${base}/docs/assets/index.html`)).status).toBe(404)
  })

  it('/docs/mqtt is plain, accessible HTML of the AsyncAPI document for the host asked', async () => {
    const res = await fetch(`${base}/docs/mqtt`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toMatch(/<html lang="en">/)
    expect(html).not.toMatch(/<script/i)
    expect(loadedRefs(html)).toEqual(['/docs/assets/favicon-32x32.png', '/docs/assets/docs.css'])
    expect(htmlRefs(html).filter((r) => !sameOrigin(r))).toEqual([])
    expect(html).toContain('<code>mqtt://127.0.0.1:1883</code>')
    expect(html).toContain(`<code>ws://${base.slice('http://'.length)}/mqtt</code>`)
    expect(html).toContain('<code>v1.1/Datastreams({datastreamId})/Observations</code>')
    expect(html).toContain('<code>v1.1/{entitySet}({id})/{property}</code>')
    expect(html.match(/<h3 id=/g)?.length).toBe(9) // one per channel of MQTT_CHANNELS
  })
})
