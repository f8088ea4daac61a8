import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { defaultOpenData } from '../sta/export/licence.ts'
import { openApiDocument, type OpenApiOptions } from './openapi.ts'

type Json = Record<string, unknown>
type Doc = { paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> }

const OPTIONS: OpenApiOptions = {
  anonymousRead: true,
  maxTop: 1000,
  maxExpandDepth: 4,
  openData: defaultOpenData(),
  metrics: true,
}
const build = (o: Partial<OpenApiOptions> = {}) => openApiDocument({ ...OPTIONS, ...o }) as unknown as Doc

/** Every `$ref` in `x`. */
const refs = (x: unknown): string[] =>
  typeof x !== 'object' || x === null
    ? []
    : Object.entries(x).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)))

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(build()))
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('documents small-cell suppression: k, the permission that lifts it, and parameters.suppressed', () => {
    const doc = build({ minCell: 12 }) as Doc & { info: { description: string } }
    expect(doc.info.description).toContain('k = 12 (PRIVACY_MIN_CELL)')
    expect(doc.info.description).toContain('`read:unsuppressed`')
    const observation = doc.components.schemas!.Observation as {
      properties: { parameters: { properties: Record<string, { description: string }> } }
    }
    expect(observation.properties.parameters.properties.suppressed!.description).toMatch(/PRIVACY_MIN_CELL/)
  })

  it('is refused by the validator when broken (the check above can fail)', async () => {
    const broken = structuredClone(build()) as Json & Doc
    broken.paths['/v1.1/Things']!.get!.responses = 'none'
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })

  it('has schemas that are valid JSON Schema 2020-12 and compile with every $ref resolved', () => {
    const doc = build()
    const ajv = new Ajv2020({ strict: false })
    for (const [name, schema] of Object.entries(doc.components.schemas!))
      expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`).toBe(true)
    ajv.addSchema({ $id: 'urn:urbantwin:doc', components: doc.components })
    for (const name of Object.keys(doc.components.schemas!))
      expect(ajv.getSchema(`urn:urbantwin:doc#/components/schemas/${name}`), name).toBeTypeOf('function')
  })

  it('resolves every $ref and names every operation once', () => {
    const doc = build()
    for (const ref of refs(doc)) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? []
      expect(doc.components[kind!]?.[name!], ref).toBeDefined()
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('says which role each operation needs, following the deployment', () => {
    const open = build()
    expect(open.paths['/v1.1/Things']!.get!.security).toEqual([{}, { bearerAuth: [] }, { apiKeyHeader: [] }])
    expect(open.paths['/api/health']!.get!.security).toEqual([])
    expect(open.paths['/api/devices']!.post!.security).toEqual([
      { bearerAuth: ['admin', 'operator'] },
      { apiKeyHeader: ['admin', 'operator'] },
    ])
    expect(open.paths['/v1.1/Observations']!.post!['x-permission']).toBe('write:observations')
    expect(open.paths['/v1.1/Observations']!.post!.security).toEqual([
      { bearerAuth: ['admin', 'operator', 'device'] },
      { apiKeyHeader: ['admin', 'operator', 'device'] },
    ])
    const closed = build({ anonymousRead: false })
    expect(closed.paths['/api/layers/containers']!.get!['x-permission']).toBe('read')
  })

  it('documents the query options, request bodies and error body from the zod schemas', () => {
    const doc = build()
    const observations = doc.paths['/v1.1/Datastreams({id})/Observations']!
    const params = (observations.get!.parameters as Json[]).map((p) => p.$ref)
    expect(params).toContain('#/components/parameters/aggregate')
    expect(doc.components.parameters!.top!.description).toContain('1000')
    expect(doc.components.parameters!.quarantineTop!.schema).toMatchObject({ maximum: 1000 })
    expect(doc.components.schemas!.ObservationBody).toMatchObject({ required: ['result'] })
    expect(doc.components.schemas!.DeviceRegistration).toMatchObject({
      required: ['deviceId', 'kind', 'name', 'lon', 'lat'],
    })
    expect(doc.components.schemas!.Error).toMatchObject({ required: ['code', 'message'] })
    expect(Object.keys(doc.paths['/v1.1/Things']!.get!.responses as Json)).not.toContain('404')
    expect(Object.keys(doc.paths['/v1.1/Things({id})']!.get!.responses as Json)).toContain('404')
  })

  it('leaves out /metrics when the app has no metrics', () => {
    expect(build().paths['/metrics']).toBeDefined()
    expect(build({ metrics: false }).paths['/metrics']).toBeUndefined()
  })
})
