import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { pointCollection } from './geojson-points.ts'

/** The M-WLAN sites shipped in `@urbantwin/model/data/munich` (dl-de/by-2-0, see its README). */
export const WLAN_SITES_PATH = fileURLToPath(
  import.meta.resolve('@urbantwin/model/data/munich/wlan_standorte.geojson'),
)

const Sites = pointCollection(
  z.object({
    id: z.number().int(),
    typ: z.string(),
    adresse: z.string().nullable(),
    anzahl: z.number().int().min(0),
  }),
)

/** A public WLAN site with `accessPoints` APs (the dataset's `anzahl`). */
export type WlanSite = {
  siteId: string
  type: string
  address: string | null
  lon: number
  lat: number
  accessPoints: number
}

export function wlanSites(geojson: unknown): WlanSite[] {
  return Sites.parse(geojson).features.map((f) => ({
    siteId: String(f.properties.id),
    type: f.properties.typ,
    address: f.properties.adresse || null,
    lon: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
    accessPoints: f.properties.anzahl,
  }))
}
