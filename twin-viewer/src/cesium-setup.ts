/**
 * Cesium configured to work offline and light: no Cesium ion, no remote imagery or terrain, only the
 * Natural Earth II tiles bundled with Cesium (zoom 0–2), and a scene cheap enough for software WebGL.
 */
import {
  Color,
  EllipsoidTerrainProvider,
  Ion,
  ShadowMode,
  TileMapServiceImageryProvider,
  buildModuleUrl,
  type Viewer,
} from 'cesium'
import type { ViewerProps } from 'resium'

/** Call once before the viewer is created: without a token no ion resource can be used by accident. */
export function disableCesiumIon(): void {
  Ion.defaultAccessToken = ''
}

/** Constructor options for Resium's <Viewer>. Read-only in Resium: keep this one object. */
export const viewerOptions = {
  baseLayer: false, // Cesium's default base layer is ion imagery; ours is added as <ImageryLayer>
  terrainProvider: new EllipsoidTerrainProvider(),
  baseLayerPicker: false,
  geocoder: false,
  animation: false,
  timeline: false,
  homeButton: false,
  sceneModePicker: false,
  projectionPicker: false,
  navigationHelpButton: false,
  fullscreenButton: false,
  vrButton: false,
  infoBox: false,
  selectionIndicator: false,
  scene3DOnly: true,
  skyBox: false,
  skyAtmosphere: false,
  shadows: false,
  terrainShadows: ShadowMode.DISABLED,
  orderIndependentTranslucency: false,
  msaaSamples: 1,
  requestRenderMode: true, // render only on camera moves, tile loads and explicit requestRender()
  maximumRenderTimeChange: Number.POSITIVE_INFINITY,
  targetFrameRate: 30,
  contextOptions: { webgl: { antialias: false, powerPreference: 'low-power' } },
} as const satisfies ViewerProps

let naturalEarth: Promise<TileMapServiceImageryProvider> | undefined

/** The bundled Natural Earth II tiles (a same-origin request for tilemapresource.xml and a few jpgs). */
export function naturalEarthImagery(): Promise<TileMapServiceImageryProvider> {
  naturalEarth ??= TileMapServiceImageryProvider.fromUrl(buildModuleUrl('Assets/Textures/NaturalEarthII'), {
    maximumLevel: 2,
  })
  return naturalEarth
}

/** Turns off what costs frames in software rendering and what the city view does not need. */
export function applyLiteScene(viewer: Viewer): void {
  const { scene } = viewer
  scene.fog.enabled = false
  scene.postProcessStages.fxaa.enabled = false
  scene.highDynamicRange = false
  scene.globe.showGroundAtmosphere = false
  scene.globe.enableLighting = false
  if (scene.sun) scene.sun.show = false
  if (scene.moon) scene.moon.show = false
  scene.backgroundColor = Color.fromCssColorString('#0b1a2a')
  scene.requestRender()
}
