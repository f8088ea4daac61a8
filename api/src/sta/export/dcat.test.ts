import { describe, expect, it } from 'vitest'
import type { DatastreamRecord, ObservedPropertyRecord } from '@urbantwin/model'
import { CONTEXT, catalogueJsonLd, distributionUrls, wktOf } from './dcat.ts'
import { defaultOpenData, type OpenDataLicence } from './licence.ts'

const datastream = (id: number, thingId: number): DatastreamRecord => ({
  id,
  thingId,
  sensorId: 1,
  observedPropertyId: 5,
  key: 'fillingLevel',
  name: `Fill level of Container ${thingId}`,
  description: 'fill',
  unitOfMeasurement: {
    name: 'percent',
    symbol: '%',
    definition: 'http://unitsofmeasure.org/ucum.html#para-29',
  },
  observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
})
const fill: ObservedPropertyRecord = {
  id: 5,
  name: 'Filling level',
  definition: 'https://example.org/fill',
  description: 'f',
}
const openData: OpenDataLicence = {
  ...defaultOpenData('City of Test'),
  publisher: { name: 'City of Test', url: 'https://city.example' },
  contact: { name: 'Open data team', email: 'opendata@city.example' },
}

const doc = catalogueJsonLd({
  self: 'http://h/v1.1/catalogue',
  sta: 'http://h/v1.1',
  openData,
  datastreams: [datastream(1, 10), datastream(2, 11)],
  observedProperties: new Map([[5, fill]]),
  places: new Map([[10, { type: 'Point', coordinates: [11.57, 48.14] }]]),
  times: new Map([[1, { start: '2026-11-23T08:01:00.000Z', end: '2026-11-23T08:03:00.000Z' }]]),
})
type Json = Record<string, unknown>
const datasets = doc['dcat:dataset'] as Json[]

/** Every `prefix:name` key and datatype in the document, to check each prefix is in the context. */
function prefixes(x: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) x.forEach((v) => prefixes(v, out))
  else if (typeof x === 'object' && x !== null)
    for (const [k, v] of Object.entries(x)) {
      if (k === '@context') continue
      const p = /^([a-z]+):/.exec(k)?.[1]
      if (p) out.add(p)
      if (k === '@type' && typeof v === 'string') out.add(v.split(':')[0]!)
      prefixes(v, out)
    }
  return out
}

describe('DCAT-AP catalogue (JSON-LD)', () => {
  it('is a dcat:Catalog whose every prefix is declared in @context', () => {
    expect(doc['@type']).toBe('dcat:Catalog')
    expect(Object.keys(doc['@context'] as Json)).toEqual(
      expect.arrayContaining(['dcat', 'dct', 'foaf', 'vcard', 'locn', 'xsd']),
    )
    for (const p of prefixes(doc)) expect(CONTEXT, p).toHaveProperty(p)
  })

  it('names publisher, contact point and licence', () => {
    expect(doc['dct:publisher']).toEqual({
      '@id': 'http://h/v1.1/catalogue#publisher',
      '@type': 'foaf:Organization',
      'foaf:name': 'City of Test',
      'foaf:homepage': { '@id': 'https://city.example' },
    })
    expect(doc['dcat:contactPoint']).toMatchObject({
      'vcard:hasEmail': { '@id': 'mailto:opendata@city.example' },
    })
    expect(doc['dct:license']).toEqual({ '@id': 'http://dcat-ap.de/def/licenses/dl-by-de/2.0' })
  })

  it('has one dcat:Dataset per Datastream with keyword, place, time and rights holder', () => {
    expect(datasets).toHaveLength(2)
    const [one, two] = datasets as [Json, Json]
    expect(one).toMatchObject({
      '@id': 'http://h/v1.1/Datastreams(1)',
      '@type': 'dcat:Dataset',
      'dct:title': 'Fill level of Container 10',
      'dcat:keyword': ['Filling level'],
      'dct:rightsHolder': { '@id': 'http://h/v1.1/catalogue#publisher' },
      'dct:license': { '@id': 'http://dcat-ap.de/def/licenses/dl-by-de/2.0' },
      'dct:temporal': {
        '@type': 'dct:PeriodOfTime',
        'dcat:startDate': { '@value': '2026-11-23T08:01:00.000Z', '@type': 'xsd:dateTime' },
        'dcat:endDate': { '@value': '2026-11-23T08:03:00.000Z', '@type': 'xsd:dateTime' },
      },
    })
    const geometry = (one['dct:spatial'] as Json)['locn:geometry'] as { '@value': string; '@type': string }[]
    expect(JSON.parse(geometry[0]!['@value'])).toEqual({ type: 'Point', coordinates: [11.57, 48.14] })
    expect(geometry[1]).toEqual({ '@value': 'POINT(11.57 48.14)', '@type': 'gsp:wktLiteral' })
    // no place, no time known: the members are left out rather than guessed
    expect(two).not.toHaveProperty('dct:spatial')
    expect(two).not.toHaveProperty('dct:temporal')
  })

  it('offers STA JSON, CSV and the Thing as GeoJSON, each with licence and attribution', () => {
    const dists = (datasets[0]!['dcat:distribution'] as Json[]).map((d) => ({
      url: (d['dcat:downloadURL'] as Json)['@id'],
      type: (d['dcat:mediaType'] as Json)['@id'],
      attribution: d['dcatde:licenseAttributionByText'],
      license: d['dct:license'],
    }))
    expect(dists.map((d) => [d.url, d.type])).toEqual([
      [
        'http://h/v1.1/Datastreams(1)/Observations',
        'https://www.iana.org/assignments/media-types/application/json',
      ],
      [
        'http://h/v1.1/Datastreams(1)/Observations?$resultFormat=CSV',
        'https://www.iana.org/assignments/media-types/text/csv',
      ],
      [
        'http://h/v1.1/Things?$filter=id%20eq%2010&$resultFormat=GeoJSON',
        'https://www.iana.org/assignments/media-types/application/geo+json',
      ],
    ])
    for (const d of dists) {
      expect(d.attribution).toBe('UrbanTwin – City of Test')
      expect(d.license).toEqual({ '@id': 'http://dcat-ap.de/def/licenses/dl-by-de/2.0' })
    }
    expect(distributionUrls('http://h/v1.1', { id: 3, thingId: 4 }).landingPage).toBe(
      'http://h/v1.1/Datastreams(3)',
    )
  })

  it('writes points as WKT in lon lat order, with Z when they have a height', () => {
    expect(wktOf({ type: 'Point', coordinates: [11.5, 48.1] })).toBe('POINT(11.5 48.1)')
    expect(wktOf({ type: 'Point', coordinates: [11.5, 48.1, 520] })).toBe('POINT Z(11.5 48.1 520)')
  })
})
