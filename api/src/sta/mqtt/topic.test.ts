import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseStaTopic } from './topic.ts'

const reason = (topic: string) => {
  const t = parseStaTopic(topic)
  if (t.ok) throw new Error(`accepted: ${topic}`)
  return t.reason
}

describe('SensorThings MQTT topics (OGC 18-088 14.2.1)', () => {
  it('serves new Observations of all Datastreams and of one', () => {
    expect(parseStaTopic('v1.1/Observations')).toEqual({
      ok: true,
      value: { datastreamId: null, select: null },
    })
    expect(parseStaTopic('v1.1/Datastreams(42)/Observations')).toEqual({
      ok: true,
      value: { datastreamId: 42, select: null },
    })
  })

  it('takes $select, the one query option the standard allows in a topic', () => {
    expect(parseStaTopic('v1.1/Observations?$select=result,phenomenonTime')).toEqual({
      ok: true,
      value: { datastreamId: null, select: [['result'], ['phenomenonTime']] },
    })
    expect(parseStaTopic('v1.1/Datastreams(3)/Observations?$select=id,result')).toMatchObject({
      ok: true,
      value: { datastreamId: 3, select: [['id'], ['result']] },
    })
    expect(reason('v1.1/Observations?$filter=result gt 5')).toMatch(/only \$select.*not \$filter/)
    expect(reason('v1.1/Observations?$top=1')).toMatch(/only \$select/)
    expect(reason('v1.1/Observations?colour=red')).toMatch(/only \$select/)
    expect(reason('v1.1/Observations?$select=colour')).toMatch(/Observations have no property colour/)
    expect(reason('v1.1/Observations?$select=')).toMatch(/\$select/)
  })

  it('refuses wildcards, other versions and resources it does not publish, saying what it serves', () => {
    expect(reason('v1.1/#')).toMatch(/wildcards/)
    expect(reason('v1.1/Datastreams(+)/Observations')).toMatch(/wildcards/)
    expect(reason('v1.0/Observations')).toMatch(/not a SensorThings topic/)
    expect(reason('Observations')).toMatch(/not a SensorThings topic/)
    expect(reason('v1.1/Things(1)')).toMatch(/only new Observations are published/)
    expect(reason('v1.1/Datastreams(1)')).toMatch(/only new Observations are published/)
    expect(reason('v1.1/Observations(5)')).toMatch(/only new Observations are published/)
    expect(reason('v1.1/Things(1)/Datastreams')).toMatch(/only new Observations/)
    expect(reason('v1.1/Datastreams(0)/Observations')).toMatch(/not a Datastream id/)
    expect(reason("v1.1/Datastreams('7')/Observations")).toMatch(/only new Observations/)
    expect(reason('v1.1/Datastreams(1)/Observations/')).toMatch(/only new Observations/)
    expect(reason('v1.1/weather')).toMatch(/not a SensorThings resource path/)
  })

  it('never throws on any topic, and accepts only the shapes it serves', () => {
    const served = /^v1\.1\/(?:Datastreams\(\d+\)\/)?Observations(?:\?.*)?$/s
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `v1.1/${s}`),
          fc.string().map((s) => `v1.1/Observations?${s}`),
          fc.string().map((s) => `v1.1/Observations?$select=${s}`),
          fc.nat().map((n) => `v1.1/Datastreams(${n})/Observations`),
        ),
        (topic) => {
          const t = parseStaTopic(topic)
          if (t.ok) expect(topic).toMatch(served)
          else expect(t.reason.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
