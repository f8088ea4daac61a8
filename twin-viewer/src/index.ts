/**
 * Pure helpers of the viewer for other packages (Node-safe: no Cesium, no DOM). The app itself is
 * the Vite build in dist/ (`@urbantwin/twin-viewer/dist`).
 */
export {
  FILL_BANDS,
  FILL_COLOURS,
  FILL_THRESHOLDS,
  fillBand,
  fillColour,
  type FillBand,
} from './fill-colour.ts'
export { bandLabel, bandRange } from './band-text.ts'
export { LANGS, messages, pickLanguage, t, type Lang, type MessageKey } from './i18n.ts'
export { parseContainerLayer } from './data/container-layer.ts'
export { parseDistricts, type District } from './data/districts.ts'
