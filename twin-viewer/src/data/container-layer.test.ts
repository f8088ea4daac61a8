import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fetchContainerLayer, parseContainerLayer } from './container-layer.ts'
import { sampleLayer } from './container-layer.fixture.ts'

const withFirstProperties = (patch: Record<string, unknown>) => ({
  ...sampleLayer,
  features: [{ ...sampleLayer.features[0], properties: { ...sampleLayer.features[0]?.properties, ...patch } }],
})

describe('parseContainerLayer', () => {
  it('accepts the layer the API serves, including containers without readings', () => {
    const r = parseContainerLayer(sampleLayer)
    expect(r.ok && r.value.features.map((f) => f.properties.fillLevel)).toEqual([83.5, null])
  })

  it.each([
    ['a non-collection', { type: 'Feature' }],
    ['a fill level as text', withFirstProperties({ fillLevel: '83' })],
    ['a missing deviceId', withFirstProperties({ deviceId: undefined })],
    ['a line instead of a point', { ...sampleLayer, features: [{ ...sampleLayer.features[0], geometry: { type: 'LineString', coordinates: [[1, 2]] } }] }],
    ['an HTML error page', '<html>502</html>'],
    ['null', null],
  ])('rejects %s with a reason', (_name, json) => {
    const r = parseContainerLayer(json)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(/^invalid container layer/)
  })

  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        expect(typeof parseContainerLayer(json).ok).toBe('boolean')
      }),
    )
  })
})

describe('fetchContainerLayer', () => {
  const signal = new AbortController().signal
  const fakeFetch = (res: () => Promise<Response>) => (() => res()) as unknown as typeof fetch

  it('parses a 200 response', async () => {
    const r = await fetchContainerLayer('/x', signal, fakeFetch(async () => Response.json(sampleLayer)))
    expect(r.ok).toBe(true)
  })

  it.each([
    ['an HTTP error', async () => new Response('nope', { status: 404 }), /HTTP 404/],
    ['a body that is not JSON', async () => new Response('<html>'), /JSON/],
    ['a network failure', async () => Promise.reject(new TypeError('Failed to fetch')), /Failed to fetch/],
  ])('turns %s into a reason', async (_name, res, reason) => {
    const r = await fetchContainerLayer('/x', signal, fakeFetch(res))
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(reason) })
  })
})
