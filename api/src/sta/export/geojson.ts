import type { LocationGeometry } from '@urbantwin/model'
import type { OpenDataLicence } from './licence.ts'

/**
 * `$resultFormat=GeoJSON` (RFC 7946): Things and Locations as a FeatureCollection. Paging as OGC API –
 * Features does it: `links` (self, next), `numberReturned`, and `numberMatched` when `$count=true`.
 * The licence rides along as the foreign members `license` and `attribution`.
 */
export const GEOJSON_MEDIA_TYPE = 'application/geo+json'

type Json = Record<string, unknown>
export type Geometry = LocationGeometry | { type: 'GeometryCollection'; geometries: LocationGeometry[] }
export type Feature = { type: 'Feature'; id: number; geometry: Geometry | null; properties: Json }

/** A Thing's place: its one current Location, several as a GeometryCollection, none as null. */
export function geometryOf(locations: readonly { location: LocationGeometry }[]): Geometry | null {
  const [first, ...more] = locations
  if (!first) return null
  if (more.length === 0) return first.location
  return { type: 'GeometryCollection', geometries: locations.map((l) => l.location) }
}

/**
 * One entity as a Feature: `id` is its `@iot.id`; its properties are the entity's JSON (after `$select`
 * and `$expand`) with `@iot.selfLink` as `selfLink`, without navigation links and without `omit`
 * (a Location's `location`, which is the geometry).
 */
export function featureOf(
  id: number,
  json: Json,
  geometry: Geometry | null,
  omit: readonly string[] = [],
): Feature {
  const properties: Json = {}
  for (const [key, value] of Object.entries(json)) {
    if (key.endsWith('@iot.navigationLink') || omit.includes(key)) continue
    properties[key === '@iot.selfLink' ? 'selfLink' : key] = value
  }
  return { type: 'Feature', id, geometry, properties }
}

export type CollectionMeta = {
  self: string
  next?: string
  /** All entities of the query, when `$count=true` asked for it. */
  numberMatched?: number
  openData: OpenDataLicence
}

export function featureCollection(features: readonly Feature[], meta: CollectionMeta): Json {
  const link = (href: string, rel: string) => ({ href, rel, type: GEOJSON_MEDIA_TYPE })
  return {
    type: 'FeatureCollection',
    features,
    links: [link(meta.self, 'self'), ...(meta.next ? [link(meta.next, 'next')] : [])],
    ...(meta.numberMatched === undefined ? {} : { numberMatched: meta.numberMatched }),
    numberReturned: features.length,
    license: {
      id: meta.openData.licence.id,
      name: meta.openData.licence.name,
      url: meta.openData.licence.url,
    },
    attribution: meta.openData.attribution,
  }
}
