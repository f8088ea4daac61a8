import type { Id, LocationRecord, Page, ThingRecord } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'
import type { RequestQuery } from '../odata/parse.ts'
import { collectionJson, locationJson, thingJson, type Links } from '../serialize.ts'
import { CSV_MEDIA_TYPE, csvColumns, csvText } from './csv.ts'
import { GEOJSON_MEDIA_TYPE, featureCollection, featureOf, geometryOf, type Feature } from './geojson.ts'
import { licenceHeaders, type OpenDataLicence } from './licence.ts'

/** `$resultFormat=GeoJSON` on an entity set without geometry (400, see errors.ts). */
export class GeoJsonError extends UnsupportedQueryError {}

type Json = Record<string, unknown>

export type ExportRequest<T> = {
  format: 'CSV' | 'GeoJSON'
  toJson: (l: Links, item: T) => Json
  page: Page<T>
  q: RequestQuery
  requestUrl: URL
  /** The entities' JSON with `$select` and `$expand` applied (the expander's `renderAll`). */
  renderAll: (items: readonly T[]) => Promise<Json[]>
  /** The current Locations of Things, in one call for the page. */
  locationsOfThings: (thingIds: readonly Id[]) => Promise<LocationRecord[]>
  openData: OpenDataLicence
}

export type ExportResponse = { contentType: string; headers: [string, string][]; body: string }

/**
 * One page of a collection as CSV or GeoJSON. Paging: CSV has no body member for it, so the next page
 * is `Link: <…>; rel="next"` and `$count=true` is `X-Total-Count`; GeoJSON has `links` and
 * `numberMatched`. Both carry the licence headers (licence.ts).
 */
export async function exportCollection<T>(x: ExportRequest<T>): Promise<ExportResponse> {
  const next = collectionJson(x.page, x.q, x.requestUrl, () => ({}))['@iot.nextLink'] as string | undefined
  const licence = licenceHeaders(x.openData)
  if (x.format === 'CSV') {
    const columns = csvColumns(x.toJson, x.q)
    const rendered = await x.renderAll(x.page.items)
    const rows = x.page.items.map((record, i) => ({ record, json: rendered[i]! }))
    return {
      contentType: CSV_MEDIA_TYPE,
      headers: [
        ...(next ? [['Link', `<${next}>; rel="next"`] as [string, string]] : []),
        ...(x.q.count ? [['X-Total-Count', String(x.page.count)] as [string, string]] : []),
        ...licence,
      ],
      body: csvText(columns, rows),
    }
  }
  let features: Feature[]
  if ((x.toJson as unknown) === thingJson) {
    const things = x.page.items as ThingRecord[]
    const located = await x.locationsOfThings(things.map((t) => t.id))
    const rendered = await x.renderAll(x.page.items)
    features = things.map((thing, i) =>
      featureOf(thing.id, rendered[i]!, geometryOf(located.filter((l) => l.thingId === thing.id))),
    )
  } else if ((x.toJson as unknown) === locationJson) {
    const rendered = await x.renderAll(x.page.items)
    features = (x.page.items as LocationRecord[]).map((location, i) =>
      featureOf(location.id, rendered[i]!, location.location, ['location']),
    )
  } else
    throw new GeoJsonError(
      '$resultFormat=GeoJSON applies to Things (at their current Location) and Locations; use CSV or JSON here',
    )
  const body = featureCollection(features, {
    self: x.requestUrl.href,
    ...(next ? { next } : {}),
    ...(x.q.count ? { numberMatched: x.page.count } : {}),
    openData: x.openData,
  })
  return { contentType: GEOJSON_MEDIA_TYPE, headers: licence, body: JSON.stringify(body) }
}
