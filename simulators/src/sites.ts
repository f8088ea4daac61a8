import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { pointCollection } from './geojson-points.ts'

/** The AWM recycling islands shipped in `@urbantwin/model/data/munich` (dl-de/by-2-0, see its README). */
export const WERTSTOFFINSELN_PATH = fileURLToPath(
  import.meta.resolve('@urbantwin/model/data/munich/wertstoffinseln_awm.geojson'),
)

const Sites = pointCollection(
  z.object({
    id: z.string(),
    adresse: z.string().nullable(),
    altkleider: z.number().int().min(0),
  }),
)

/** A recycling island with used-clothing containers. */
export type ContainerSite = {
  siteId: string
  address: string | null
  lon: number
  lat: number
  containers: number
}

/** Sites with at least one used-clothing container, from the parsed GeoJSON. */
export function containerSites(geojson: unknown): ContainerSite[] {
  return Sites.parse(geojson)
    .features.filter((f) => f.properties.altkleider > 0)
    .map((f) => ({
      siteId: f.properties.id.replace(/^awm_container_opendata\./, ''),
      address: f.properties.adresse || null,
      lon: f.geometry.coordinates[0],
      lat: f.geometry.coordinates[1],
      containers: f.properties.altkleider,
    }))
}
