import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { GeoJsonPoint, LocationRecord, ThingRecord } from '@urbantwin/model'
import { locationJson, thingJson } from '../serialize.ts'
import { featureCollection, featureOf, geometryOf } from './geojson.ts'
import { defaultOpenData } from './licence.ts'

/** RFC 7946 as far as these exports use it: Points, GeometryCollections of them, null geometry. */
const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number())
const Point = z.object({ type: z.literal('Point'), coordinates: Position })
const Geometry = z.union([
  Point,
  z.object({ type: z.literal('GeometryCollection'), geometries: z.array(Point) }),
])
const FeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.union([z.number(), z.string()]),
      geometry: Geometry.nullable(),
      properties: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
})

const l = { base: 'http://h/v1.1' }
const point = (lon: number, lat: number): GeoJsonPoint => ({ type: 'Point', coordinates: [lon, lat] })
const openData = defaultOpenData('City of Test')

describe('GeoJSON features', () => {
  it('places a Thing at its one current Location, several as a GeometryCollection, none as null', () => {
    expect(geometryOf([])).toBeNull()
    expect(geometryOf([{ location: point(11.5, 48.1) }])).toEqual(point(11.5, 48.1))
    expect(geometryOf([{ location: point(1, 2) }, { location: point(3, 4) }])).toEqual({
      type: 'GeometryCollection',
      geometries: [point(1, 2), point(3, 4)],
    })
  })

  it('keeps @iot.id, name, description, properties and selfLink of a Thing; no navigation links', () => {
    const thing: ThingRecord = {
      id: 4,
      deviceId: 'd',
      kind: 'k',
      name: 'T',
      description: 'D',
      properties: { a: 1 },
    }
    const f = featureOf(thing.id, thingJson(l, thing), point(11.5, 48.1))
    expect(f).toEqual({
      type: 'Feature',
      id: 4,
      geometry: point(11.5, 48.1),
      properties: {
        '@iot.id': 4,
        selfLink: 'http://h/v1.1/Things(4)',
        name: 'T',
        description: 'D',
        properties: { a: 1 },
      },
    })
  })

  it('makes a Location its own geometry and leaves it out of the properties', () => {
    const loc: LocationRecord = {
      id: 2,
      thingId: 4,
      name: 'L',
      description: 'site',
      encodingType: 'application/geo+json',
      location: point(11.6, 48.2),
    }
    const f = featureOf(loc.id, locationJson(l, loc), loc.location, ['location'])
    expect(f.geometry).toEqual(point(11.6, 48.2))
    expect(f.properties).not.toHaveProperty('location')
    expect(f.properties).toMatchObject({ '@iot.id': 2, encodingType: 'application/geo+json' })
  })

  it('pages as OGC API – Features does and carries licence and attribution', () => {
    const fcol = featureCollection([], { self: 'http://h/s', next: 'http://h/n', numberMatched: 9, openData })
    expect(fcol).toMatchObject({
      links: [
        { href: 'http://h/s', rel: 'self', type: 'application/geo+json' },
        { href: 'http://h/n', rel: 'next', type: 'application/geo+json' },
      ],
      numberMatched: 9,
      numberReturned: 0,
      license: { id: 'dl-de/by-2-0', url: 'https://www.govdata.de/dl-de/by-2-0' },
      attribution: 'UrbanTwin – City of Test',
    })
    expect(featureCollection([], { self: 'http://h/s', openData })).not.toHaveProperty('numberMatched')
  })

  it('is valid GeoJSON for any Things and places, also after a JSON round trip', () => {
    const position = fc.tuple(
      fc.double({ min: -180, max: 180, noNaN: true }),
      fc.double({ min: -90, max: 90, noNaN: true }),
    )
    const thing = fc.record({
      id: fc.integer({ min: 1 }),
      name: fc.string({ minLength: 1 }),
      description: fc.string(),
      properties: fc.dictionary(fc.string(), fc.jsonValue()),
      places: fc.array(position, { maxLength: 3 }),
    })
    fc.assert(
      fc.property(fc.array(thing, { maxLength: 5 }), (things) => {
        const features = things.map((t) => {
          const record: ThingRecord = { ...t, deviceId: null, kind: null }
          const places = t.places.map(([lon, lat]) => ({ location: point(lon, lat) }))
          return featureOf(t.id, thingJson(l, record), geometryOf(places))
        })
        const doc = JSON.parse(JSON.stringify(featureCollection(features, { self: 'http://h/s', openData })))
        expect(FeatureCollection.safeParse(doc).error).toBeUndefined()
        expect(doc.numberReturned).toBe(things.length)
      }),
    )
  })
})
