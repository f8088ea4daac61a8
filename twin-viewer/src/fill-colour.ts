/**
 * Fill level → band and colour. Pure: the table, the legend and the Cesium points share it, and other
 * packages import it in Node. The band is the text that keeps the legend from relying on colour alone.
 */
export type FillBand = 'low' | 'medium' | 'full' | 'unknown'

/** Lower bounds in percent: `medium` from 50 %, `full` from 80 %. */
export const FILL_THRESHOLDS = { medium: 50, full: 80 } as const

export const FILL_BANDS: readonly FillBand[] = ['low', 'medium', 'full', 'unknown']

/** CSS colours. Amber is light, so swatches and points always get a dark outline (WCAG 1.4.11). */
export const FILL_COLOURS: Readonly<Record<FillBand, string>> = {
  low: '#2e7d32',
  medium: '#f9a825',
  full: '#c62828',
  unknown: '#757575',
}

export function fillBand(level: number | null): FillBand {
  if (level === null || !Number.isFinite(level)) return 'unknown'
  if (level >= FILL_THRESHOLDS.full) return 'full'
  if (level >= FILL_THRESHOLDS.medium) return 'medium'
  return 'low'
}

export function fillColour(level: number | null): string {
  return FILL_COLOURS[fillBand(level)]
}
