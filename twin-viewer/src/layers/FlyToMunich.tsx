/** Puts the camera over Munich once, looking north at the whole city. */
import { useEffect } from 'react'
import { useCesium } from 'resium'
import { BoundingSphere, Cartesian3, HeadingPitchRange, Math as CesiumMath } from 'cesium'

/** Marienplatz, roughly the centre of Munich's 25 districts. */
export const MUNICH_CENTRE = { lon: 11.575, lat: 48.137 } as const
/** Radius that holds the city (≈ 26 km east–west). */
const CITY_RADIUS_M = 13_000

export function FlyToMunich() {
  const { camera, scene } = useCesium()

  useEffect(() => {
    if (!camera) return
    const centre = Cartesian3.fromDegrees(MUNICH_CENTRE.lon, MUNICH_CENTRE.lat, 0)
    camera.flyToBoundingSphere(new BoundingSphere(centre, CITY_RADIUS_M), {
      offset: new HeadingPitchRange(0, CesiumMath.toRadians(-60), 0), // range 0: fit the sphere
      duration: 0,
    })
    scene?.requestRender()
  }, [camera, scene])

  return null
}
