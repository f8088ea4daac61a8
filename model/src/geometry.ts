// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- polylabel ships no types; every package that compiles this file needs the declaration
/// <reference path="./polylabel.d.ts" />
import polylabel from 'polylabel'
import type { LocationGeometry } from './entities.ts'

type Ring = readonly (readonly [number, number])[]

/** Twice the signed area of a ring in degrees² (shoelace); only compared, never shown. */
function ringArea(ring: Ring): number {
  let a = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1])
  }
  return Math.abs(a)
}

/**
 * One point that stands for a Location: the point itself, or for an area a point inside its largest
 * polygon (the pole of inaccessibility, which a centroid of a concave district is not sure to be).
 * It places a district's label and answers distance filters; the geometry stays what is served.
 */
export function representativePoint(g: LocationGeometry): [number, number] {
  if (g.type === 'Point') return [g.coordinates[0], g.coordinates[1]]
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  let largest = polygons[0]!
  for (const p of polygons) if (ringArea(p[0]!) > ringArea(largest[0]!)) largest = p
  const [lon, lat] = polylabel(largest as number[][][], 1e-6)
  return [round6(lon!), round6(lat!)]
}

/** 6 decimals of a degree ≈ 0.1 m, the precision of the shipped city data. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6
