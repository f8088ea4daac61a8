import {
  representativePoint,
  type DatastreamRecord,
  type Id,
  type LocationGeometry,
  type ObservedPropertyRecord,
} from '@urbantwin/model'
import { sourceLicence, withSource, type OpenDataLicence } from './licence.ts'

/**
 * The dataset catalogue (issue 5): DCAT-AP(.de) as JSON-LD. One `dcat:Catalog`, one `dcat:Dataset` per
 * Datastream, each with distributions for STA JSON, CSV and the Thing as GeoJSON. The attribution is
 * `dcatde:licenseAttributionByText` on each distribution, as DCAT-AP.de places it; the publisher is each
 * dataset's `dct:rightsHolder`. No I/O: the router loads what it needs (routes/catalogue.ts).
 */
export const JSON_LD_MEDIA_TYPE = 'application/ld+json'

type Json = Record<string, unknown>

/**
 * Vocabulary IRIs of DCAT-AP(.de) and the EU/IANA format registers. They are names that RDF tools
 * compare, not addresses: the catalogue carries its context inline and nothing here is fetched.
 */
export const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  locn: 'http://www.w3.org/ns/locn#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  gsp: 'http://www.opengis.net/ont/geosparql#',
  dcatde: 'http://dcat-ap.de/def/dcatde/',
} as const

/** When the observations of a Datastream were made: first and last phenomenonTime (ISO 8601). */
export type TimeRange = { start: string; end: string }

export type CatalogueInput = {
  /** Absolute URL of the catalogue itself (its `@id`). */
  self: string
  /** Absolute URL of the SensorThings service root (`<public URL>/v1.1`). */
  sta: string
  openData: OpenDataLicence
  datastreams: readonly DatastreamRecord[]
  observedProperties: ReadonlyMap<Id, ObservedPropertyRecord>
  /** Each Thing's current position. */
  places: ReadonlyMap<Id, LocationGeometry>
  /** Datastreams without an entry get no `dct:temporal`. */
  times?: ReadonlyMap<Id, TimeRange>
}

const iri = (id: string) => ({ '@id': id })
const typed = (value: string, type: string) => ({ '@value': value, '@type': type })
const IANA = 'https://www.iana.org/assignments/media-types/'
const FILE_TYPE = 'http://publications.europa.eu/resource/authority/file-type/'

const ring = (r: readonly (readonly number[])[]) => `(${r.map((p) => p.join(' ')).join(', ')})`
const polygon = (rings: readonly (readonly (readonly number[])[])[]) => `(${rings.map(ring).join(', ')})`

/** WKT of a geometry, as GeoSPARQL's wktLiteral reads it without a CRS IRI (CRS84: lon lat). */
export function wktOf(g: LocationGeometry): string {
  switch (g.type) {
    case 'Point':
      return `POINT${g.coordinates.length === 3 ? ' Z' : ''}(${g.coordinates.join(' ')})`
    case 'Polygon':
      return `POLYGON${polygon(g.coordinates)}`
    case 'MultiPolygon':
      return `MULTIPOLYGON(${g.coordinates.map(polygon).join(', ')})`
  }
}

function spatial(g: LocationGeometry): Json {
  const [lon, lat] = representativePoint(g)
  return {
    '@type': 'dct:Location',
    'locn:geometry': [typed(JSON.stringify(g), 'gsp:geoJSONLiteral'), typed(wktOf(g), 'gsp:wktLiteral')],
    'dcat:centroid': typed(g.type === 'Point' ? wktOf(g) : `POINT(${lon} ${lat})`, 'gsp:wktLiteral'),
  }
}

/** The STA URLs a Datastream is published at: JSON, CSV of its Observations, its Thing as GeoJSON. */
export function distributionUrls(sta: string, d: Pick<DatastreamRecord, 'id' | 'thingId'>) {
  const observations = `${sta}/Datastreams(${d.id})/Observations`
  return {
    landingPage: `${sta}/Datastreams(${d.id})`,
    json: observations,
    csv: `${observations}?$resultFormat=CSV`,
    geojson: `${sta}/Things?$filter=${encodeURIComponent(`id eq ${d.thingId}`)}&$resultFormat=GeoJSON`,
  }
}

export function catalogueJsonLd(x: CatalogueInput): Json {
  const { openData } = x
  const publisherId = `${x.self}#publisher`
  const licence = iri(openData.licence.uri)
  const distribution = (
    attribution: string,
    title: string,
    url: string,
    mediaType: string,
    format: string,
    extra: Json = {},
  ) => ({
    '@type': 'dcat:Distribution',
    'dct:title': title,
    'dcat:accessURL': iri(url),
    'dcat:downloadURL': iri(url),
    'dcat:mediaType': iri(IANA + mediaType),
    'dct:format': iri(FILE_TYPE + format),
    'dct:license': licence,
    'dcatde:licenseAttributionByText': attribution,
    ...extra,
  })
  const dataset = (d: DatastreamRecord): Json => {
    const urls = distributionUrls(x.sta, d)
    const property = x.observedProperties.get(d.observedPropertyId)
    const place = x.places.get(d.thingId)
    const time = x.times?.get(d.id)
    // data with its own licence (imported statistics, what is derived from them) names its source too
    const { attribution } = withSource(openData, sourceLicence(d.properties))
    return {
      '@id': urls.landingPage,
      '@type': 'dcat:Dataset',
      'dct:identifier': urls.landingPage,
      'dct:title': d.name,
      'dct:description': `${d.description} (${d.unitOfMeasurement.name}, ${d.unitOfMeasurement.symbol})`,
      'dcat:keyword': property ? [property.name] : [],
      ...(property ? { 'dct:subject': iri(property.definition) } : {}),
      'dcat:landingPage': iri(urls.landingPage),
      ...(place ? { 'dct:spatial': spatial(place) } : {}),
      ...(time
        ? {
            'dct:temporal': {
              '@type': 'dct:PeriodOfTime',
              'dcat:startDate': typed(time.start, 'xsd:dateTime'),
              'dcat:endDate': typed(time.end, 'xsd:dateTime'),
            },
          }
        : {}),
      'dct:publisher': iri(publisherId),
      'dct:rightsHolder': iri(publisherId),
      'dct:license': licence,
      'dcat:distribution': [
        distribution(
          attribution,
          'Observations (SensorThings API JSON)',
          urls.json,
          'application/json',
          'JSON',
          {
            'dct:conformsTo': iri('http://www.opengis.net/doc/is/sensorthings/1.1'),
          },
        ),
        distribution(attribution, 'Observations (CSV)', urls.csv, 'text/csv', 'CSV'),
        distribution(
          attribution,
          'Thing and its location (GeoJSON)',
          urls.geojson,
          'application/geo+json',
          'GEOJSON',
        ),
      ],
    }
  }
  const contact = openData.contact
  return {
    '@context': CONTEXT,
    '@id': x.self,
    '@type': 'dcat:Catalog',
    'dct:title': `Sensor data of ${openData.publisher.name}`,
    'dct:description': `Datastreams of the Urban Data Platform (OGC SensorThings API v1.1 at ${x.sta}), one dataset each.`,
    'dct:publisher': {
      '@id': publisherId,
      '@type': 'foaf:Organization',
      'foaf:name': openData.publisher.name,
      ...(openData.publisher.url ? { 'foaf:homepage': iri(openData.publisher.url) } : {}),
    },
    ...(contact
      ? {
          'dcat:contactPoint': {
            '@type': 'vcard:Organization',
            'vcard:fn': contact.name,
            ...(contact.email ? { 'vcard:hasEmail': iri(`mailto:${contact.email}`) } : {}),
            ...(contact.url ? { 'vcard:hasURL': iri(contact.url) } : {}),
          },
        }
      : {}),
    'dct:license': licence,
    'foaf:homepage': iri(x.sta),
    'dcat:dataset': x.datastreams.map(dataset),
  }
}
