import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_OBSERVATION_BYTES, observationFromMessage } from './create.ts'

const now = new Date('2026-11-23T08:00:00.000Z')
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const make = (topic: string, body: unknown) => observationFromMessage(topic, bytes(body), now)
const reason = (topic: string, body: unknown) => {
  const r = make(topic, body)
  if (r.ok) throw new Error(`accepted ${JSON.stringify(body)} on ${topic}`)
  return r.reason
}

describe('creating an Observation by MQTT PUBLISH (OGC 18-088 14.2.2)', () => {
  it('takes the Datastream from the topic, and phenomenonTime from now when absent', () => {
    expect(make('v1.1/Datastreams(7)/Observations', { result: 42.5 })).toEqual({
      ok: true,
      value: {
        stream: { set: 'Datastreams', id: 7 },
        observation: {
          datastreamId: 7,
          phenomenonTime: '2026-11-23T08:00:00.000Z',
          resultTime: '2026-11-23T08:00:00.000Z',
          result: 42.5,
        },
      },
    })
    expect(
      make('v1.1/Datastreams(7)/Observations', {
        phenomenonTime: '2026-11-23T07:00:00+01:00',
        resultTime: '2026-11-23T06:30:00Z',
        result: 'full',
        resultQuality: 'estimated',
      }),
    ).toEqual({
      ok: true,
      value: {
        stream: { set: 'Datastreams', id: 7 },
        observation: {
          datastreamId: 7,
          phenomenonTime: '2026-11-23T06:00:00.000Z',
          resultTime: '2026-11-23T06:30:00.000Z',
          result: 'full',
          resultQuality: 'estimated',
        },
      },
    })
  })

  it('takes the Datastream from the body on v1.1/Observations', () => {
    expect(make('v1.1/Observations', { result: true, Datastream: { '@iot.id': 3 } })).toMatchObject({
      ok: true,
      value: { stream: { set: 'Datastreams', id: 3 }, observation: { datastreamId: 3, result: true } },
    })
    expect(
      make('v1.1/MultiDatastreams(8)/Observations', { result: [1, 'a', null], phenomenonTime: '2026-11-23T06:00:00Z' }),
    ).toMatchObject({
      ok: true,
      value: { stream: { set: 'MultiDatastreams', id: 8 }, observation: { datastreamId: 8, result: [1, 'a', null] } },
    })
    expect(reason('v1.1/Observations', { result: 1 })).toMatch(/needs its Datastream/)
    expect(reason('v1.1/Datastreams(3)/Observations', { result: 1, Datastream: { '@iot.id': 4 } })).toMatch(
      /links Datastream 4, the path Datastream 3/,
    )
  })

  it('refuses what is not an Observation, with a reason', () => {
    const ds = 'v1.1/Datastreams(1)/Observations'
    expect(reason(ds, {})).toMatch(/result/)
    expect(reason(ds, { result: { nested: 1 } })).toMatch(/result/)
    expect(reason(ds, { result: [] })).toMatch(/result/)
    expect(reason(ds, { result: null })).toMatch(/result/)
    expect(reason(ds, { result: 1, phenomenonTime: 'yesterday' })).toMatch(/phenomenonTime/)
    expect(reason(ds, { result: 1, colour: 'red' })).toMatch(/colour|unrecognized/i)
    expect(reason(ds, { result: 1, parameters: {} })).toMatch(/parameters is not stored/)
    expect(reason(ds, '42')).toMatch(/invalid Observation/)
    expect(reason(ds, 'not json')).toMatch(/not UTF-8 JSON/)
    expect(observationFromMessage(ds, new Uint8Array([0x7b, 0xff, 0x7d]), now)).toEqual({
      ok: false,
      reason: 'the message is not UTF-8 JSON',
    })
    expect(reason(`${ds}?$select=result`, { result: 1 })).toMatch(/only delivers/)
    expect(reason('v1.1/Things(1)', { result: 1 })).toMatch(/only Observations are created over MQTT/)
    expect(reason('v1.1/Things', { name: 'x' })).toMatch(/only Observations are created.*not Things/)
    expect(reason('v1.1/Things(1)/Datastreams', { result: 1 })).toMatch(/only Observations are created/)
    const big = observationFromMessage(ds, new Uint8Array(MAX_OBSERVATION_BYTES + 1), now)
    expect(big.ok ? '' : big.reason).toMatch(/at most/)
  })

  it('never throws: random topics and payloads give an Observation with a result, or a reason', () => {
    const topic = fc.oneof(
      fc.constant('v1.1/Observations'),
      fc.nat({ max: 5 }).map((n) => `v1.1/Datastreams(${n})/Observations`),
      fc.string().map((s) => `v1.1/${s}`),
    )
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc
        .record(
          {
            result: fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.object()),
            phenomenonTime: fc.oneof(
              fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
              fc.string(),
            ),
            Datastream: fc.record({ '@iot.id': fc.oneof(fc.integer(), fc.string()) }),
          },
          { requiredKeys: [] },
        )
        .map((o) => bytes(o)),
    )
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        const r = observationFromMessage(t, p, now)
        if (r.ok) {
          const o = r.value.observation
          if (!Array.isArray(o.result)) expect(['number', 'string', 'boolean']).toContain(typeof o.result)
          expect(o.datastreamId).toBeGreaterThan(0)
          expect(Number.isNaN(Date.parse(o.phenomenonTime))).toBe(false)
        } else expect(r.reason.length).toBeGreaterThan(0)
      }),
      { numRuns: 2000 },
    )
  })
})
