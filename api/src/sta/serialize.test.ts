import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DatastreamRecord, LocationRecord, ObservationRecord, ThingRecord } from '@urbantwin/model'
import {
  datastreamJson,
  extendable,
  jsonText,
  locationJson,
  featureOfInterestJson,
  observationJson,
  thingJson,
} from './serialize.ts'

const l = { base: 'http://udp.local/v1.1' }
const thing = (id: number, name = `Container ${id}`): ThingRecord => ({
  id,
  name,
  description: 'Smart used-clothing container',
  properties: { siteId: String(id), calibration: { heightMm: 1800 } },
  deviceId: `awm-${id}`,
  kind: 'clothing-container',
})
const datastream = (id: number, thingId: number): DatastreamRecord => ({
  id,
  thingId,
  sensorId: 1,
  observedPropertyId: 1,
  key: 'fillingLevel',
  name: `Fill level ${id}`,
  description: 'How full the container is',
  unitOfMeasurement: { name: 'percent', symbol: '%', definition: 'ucum:%' },
  observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
})
const observation = (
  id: number,
  datastreamId: number,
  result: ObservationRecord['result'],
): ObservationRecord => ({
  id,
  datastreamId,
  phenomenonTime: '2026-11-23T08:00:00.000Z',
  resultTime: '2026-11-23T08:00:00.000Z',
  result,
})

describe('jsonText', () => {
  it('writes what JSON.stringify writes, for any JSON value (fuzz)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonText(v)).toBe(JSON.stringify(v))
      }),
      { numRuns: 2000 },
    )
    const odd = { a: undefined, b: () => 1, c: [undefined, 1], d: new Date(0), e: { toJSON: () => 'x' } }
    expect(jsonText(odd)).toBe(JSON.stringify(odd))
  })

  it('writes expanded entities from cached text, exactly as JSON.stringify would, before and after changes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 50 }), fc.oneof(fc.double({ noNaN: true }), fc.string())),
          {
            maxLength: 20,
          },
        ),
        fc.boolean(),
        (results, count) => {
          const t = thing(1)
          const streams = [datastream(10, 1), datastream(11, 1)]
          const render = (obs: ObservationRecord[]) => {
            const json = extendable(thingJson(l, t))
            json.Locations = [
              locationJson(l, {
                id: 5,
                thingId: 1,
                name: 'Site',
                description: 'd',
                encodingType: 'application/geo+json',
                location: { type: 'Point', coordinates: [11.5, 48.1] },
              }),
            ]
            json.Datastreams = streams.map((d) => {
              const dj = extendable(datastreamJson(l, d))
              const mine = obs.filter((o) => o.datastreamId === d.id).map((o) => observationJson(l, o))
              dj.Observations = mine
              if (count) dj['Observations@iot.count'] = mine.length
              return dj
            })
            return { '@iot.count': 1, value: [json] }
          }
          // twice with the same records (the second from cached text), then with new ones
          const obs = results.map(([id, r]) => observation(id, id % 2 === 0 ? 10 : 11, r))
          for (const tree of [
            render(obs),
            render(obs),
            render(obs.map((o) => ({ ...o, result: 'changed' }))),
          ])
            expect(jsonText(tree)).toBe(JSON.stringify(tree))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('hands out frozen JSON: what $expand adds goes to a copy and is not in the next answer', () => {
    const t = thing(2)
    const shared = thingJson(l, t)
    expect(Object.isFrozen(shared)).toBe(true)
    expect(() => {
      ;(shared as Record<string, unknown>).Datastreams = []
    }).toThrow(TypeError)
    const first = extendable(shared)
    first.Datastreams = [datastreamJson(l, datastream(20, 2))]
    expect(jsonText(first)).toContain('Datastreams(20)')
    const second = thingJson(l, t)
    expect(second).toBe(shared)
    expect(second).not.toHaveProperty('Datastreams')
    expect(jsonText(second)).toBe(JSON.stringify(second))
    expect(jsonText(second)).not.toContain('Datastreams(20)')
  })

  it('follows the base URL of the request and the entity set a record is shown as', () => {
    const t = thing(3)
    expect(jsonText(thingJson({ base: 'https://a.example/v1.1' }, t))).toContain(
      '"https://a.example/v1.1/Things(3)"',
    )
    expect(jsonText(thingJson({ base: 'https://b.example/v1.1' }, t))).toContain(
      '"https://b.example/v1.1/Things(3)"',
    )
    const place: LocationRecord = {
      id: 7,
      thingId: 3,
      name: 'Site',
      description: 'd',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [11.5, 48.1] },
    }
    expect(jsonText(locationJson(l, place))).toContain('/Locations(7)')
    expect(jsonText(featureOfInterestJson(l, place))).toContain('/FeaturesOfInterest(7)')
    expect(jsonText(locationJson(l, place))).toContain('/Locations(7)')
  })
})
