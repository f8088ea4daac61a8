import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseStaTopic } from './topic.ts'
import { ENTITY_SETS } from '../query.ts'

const reason = (topic: string) => {
  const t = parseStaTopic(topic)
  if (t.ok) throw new Error(`accepted: ${topic}`)
  return t.reason
}
const accepted = (topic: string) => {
  const t = parseStaTopic(topic)
  if (!t.ok) throw new Error(`refused ${topic}: ${t.reason}`)
  return t.value
}

describe('SensorThings MQTT topics (OGC 18-088 14.2.1)', () => {
  it('serves new Observations of all Datastreams and of one', () => {
    expect(accepted('v1.1/Observations')).toEqual({
      path: 'Observations',
      target: { kind: 'collection', set: 'Observations', parent: null },
      select: null,
    })
    expect(accepted('v1.1/Datastreams(42)/Observations')).toEqual({
      path: 'Datastreams(42)/Observations',
      target: { kind: 'collection', set: 'Observations', parent: { set: 'Datastreams', id: 42 } },
      select: null,
    })
  })

  it('serves new entities of every set and navigation collection whose parent the entity names', () => {
    for (const set of ENTITY_SETS.filter((s) => s !== 'Observations'))
      expect(accepted(`v1.1/${set}`)).toMatchObject({ path: set, target: { kind: 'collection', set } })
    for (const [parent, set] of [
      ['Things', 'Datastreams'],
      ['Things', 'Locations'],
      ['Things', 'HistoricalLocations'],
      ['Things', 'MultiDatastreams'],
      ['Locations', 'HistoricalLocations'],
      ['Sensors', 'Datastreams'],
      ['Sensors', 'MultiDatastreams'],
      ['ObservedProperties', 'Datastreams'],
      ['ObservedProperties', 'MultiDatastreams'],
      ['MultiDatastreams', 'Observations'],
    ])
      expect(accepted(`v1.1/${parent}(007)/${set}`)).toEqual({
        path: `${parent}(7)/${set}`,
        target: { kind: 'collection', set, parent: { set: parent, id: 7 } },
        select: null,
      })
    expect(reason('v1.1/FeaturesOfInterest(1)/Observations')).toMatch(
      /not published; navigation topics are Things\(<id>\)\/Locations, .*MultiDatastreams\(<id>\)\/Observations/,
    )
    expect(reason('v1.1/Locations(1)/Things')).toMatch(/not published/)
    expect(reason('v1.1/Datastreams(1)/Thing')).toMatch(/Datastreams have no property Thing/)
  })

  it('serves an entity and one of its properties, which change', () => {
    expect(accepted('v1.1/Things(3)')).toEqual({
      path: 'Things(3)',
      target: { kind: 'entity', set: 'Things', id: 3 },
      select: null,
    })
    expect(accepted('v1.1/Datastreams(12)/unitOfMeasurement')).toEqual({
      path: 'Datastreams(12)/unitOfMeasurement',
      target: { kind: 'property', set: 'Datastreams', id: 12, property: 'unitOfMeasurement' },
      select: null,
    })
    expect(accepted('v1.1/FeaturesOfInterest(2)/feature').path).toBe('FeaturesOfInterest(2)/feature')
    expect(accepted('v1.1/Things(3)?$select=name').select).toEqual([['name']])
    expect(reason('v1.1/Things(3)/colour')).toMatch(/Things have no property colour; .*name, description/)
    expect(reason('v1.1/Things(3)/name?$select=name')).toMatch(/takes no query options/)
    expect(accepted('v1.1/Observations(5)').target).toEqual({ kind: 'entity', set: 'Observations', id: 5 })
    expect(accepted('v1.1/Observations(5)/result').path).toBe('Observations(5)/result')
  })

  it('takes $select, the one query option the standard allows in a topic', () => {
    expect(accepted('v1.1/Observations?$select=result,phenomenonTime').select).toEqual([
      ['result'],
      ['phenomenonTime'],
    ])
    expect(accepted('v1.1/Datastreams(3)/Observations?$select=id,result')).toMatchObject({
      path: 'Datastreams(3)/Observations',
      select: [['id'], ['result']],
    })
    expect(accepted('v1.1/Things?$select=name,Datastreams').select).toEqual([['name'], ['Datastreams']])
    expect(reason('v1.1/Observations?$filter=result gt 5')).toMatch(/only \$select.*not \$filter/)
    expect(reason('v1.1/Observations?$top=1')).toMatch(/only \$select/)
    expect(reason('v1.1/Observations?colour=red')).toMatch(/only \$select/)
    expect(reason('v1.1/Observations?$select=colour')).toMatch(/Observations have no property colour/)
    expect(reason('v1.1/Sensors?$select=result')).toMatch(/Sensors have no property result/)
    expect(reason('v1.1/Observations?$select=')).toMatch(/\$select/)
  })

  it('refuses wildcards, other versions and what is not a resource, saying what it serves', () => {
    expect(reason('v1.1/#')).toMatch(/wildcards/)
    expect(reason('v1.1/Datastreams(+)/Observations')).toMatch(/wildcards/)
    expect(reason('v1.0/Observations')).toMatch(/not a SensorThings topic/)
    expect(reason('Observations')).toMatch(/not a SensorThings topic/)
    expect(reason('v1.1/Datastreams(0)/Observations')).toMatch(/not an id of Datastreams/)
    expect(reason("v1.1/Datastreams('7')/Observations")).toMatch(/not a SensorThings resource path/)
    expect(reason('v1.1/Datastreams(1)/Observations/')).toMatch(/not a SensorThings resource path/)
    expect(reason('v1.1/Things/Datastreams')).toMatch(/names no entity/)
    expect(accepted('v1.1/MultiDatastreams?$select=multiObservationDataTypes').path).toBe('MultiDatastreams')
    expect(reason('v1.1/weather')).toMatch(/weather is not an entity set/)
    expect(reason('v1.1/constructor')).toMatch(/not an entity set/)
    expect(reason('v1.1/Things(1)/constructor')).toMatch(/no property constructor/)
  })

  it('never throws on any topic, and accepts only the shapes it serves', () => {
    const set =
      '(?:Things|Locations|HistoricalLocations|Datastreams|MultiDatastreams|Sensors|ObservedProperties|Observations|FeaturesOfInterest)'
    const served = new RegExp(`^v1\\.1/${set}(?:\\(\\d+\\)(?:/[A-Za-z]+)?)?(?:\\?.*)?$`, 's')
    const names = fc.constantFrom('Things', 'Observations', 'Datastreams', 'Locations', 'name', 'result', 'x')
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `v1.1/${s}`),
          fc.string().map((s) => `v1.1/Observations?${s}`),
          fc.string().map((s) => `v1.1/Things?$select=${s}`),
          fc.tuple(names, fc.nat(), names).map(([a, n, b]) => `v1.1/${a}(${n})/${b}`),
          fc.tuple(names, fc.string()).map(([a, s]) => `v1.1/${a}(1)${s}`),
        ),
        (topic) => {
          const t = parseStaTopic(topic)
          if (t.ok) expect(topic).toMatch(served)
          else expect(t.reason.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 4000 },
    )
  })
})
