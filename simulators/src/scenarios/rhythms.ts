import type { LocalTime } from '../time/munich-time.ts'

/**
 * When people bring used clothes: busiest on Saturdays and in the spring and autumn clear-outs,
 * little at night (container sites have quiet hours), a bump after Christmas. Factors around 1.
 */
const DEPOSIT_WEEKDAY = [0.9, 0.9, 0.95, 1.0, 1.15, 1.5, 0.6] // Mon … Sun
const DEPOSIT_MONTH = [1.15, 0.9, 1.25, 1.35, 1.3, 1.0, 0.85, 0.85, 1.2, 1.25, 1.0, 0.95] // Jan … Dec
const DEPOSIT_HOUR = [
  0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.6, 1.0, 1.4, 1.6, 1.7, 1.6, 1.5, 1.6, 1.7, 1.8, 1.9, 1.7, 1.3,
  0.6, 0.2, 0.05, 0.03,
]
const HOUR_MEAN = DEPOSIT_HOUR.reduce((a, b) => a + b, 0) / 24

export function depositFactor(t: LocalTime): number {
  return DEPOSIT_WEEKDAY[t.weekday]! * DEPOSIT_MONTH[t.month - 1]! * (DEPOSIT_HOUR[t.hour]! / HOUR_MEAN)
}

/** Outside air temperature in Munich, °C: seasonal mean plus a daily swing (climate normals, rounded). */
const MONTH_MEAN_C = [0, 1.5, 5, 9.5, 14, 17.5, 19.5, 19, 15, 10, 4.5, 1]
export function outsideTemperature(t: LocalTime): number {
  const daily = -Math.cos(((t.hour - 3) / 24) * 2 * Math.PI) * 4 // coldest ~03:00, warmest ~15:00
  return MONTH_MEAN_C[t.month - 1]! + daily
}

/**
 * Public WLAN clients by site type, as a share of a site's peak. Squares peak in the evening and at
 * weekends; trams follow commuter peaks on workdays; mobility stations sit in between.
 */
export type ApSiteType = 'square' | 'tram' | 'mobility'

const WORKDAY: Record<ApSiteType, number[]> = {
  square: [
    0.1, 0.05, 0.03, 0.02, 0.02, 0.05, 0.15, 0.3, 0.35, 0.4, 0.5, 0.65, 0.75, 0.7, 0.65, 0.7, 0.8, 0.9, 1.0,
    0.95, 0.8, 0.6, 0.35, 0.2,
  ],
  tram: [
    0.05, 0.02, 0.01, 0.01, 0.05, 0.25, 0.7, 1.0, 0.9, 0.55, 0.45, 0.5, 0.55, 0.5, 0.5, 0.65, 0.9, 1.0, 0.8,
    0.55, 0.4, 0.3, 0.2, 0.1,
  ],
  mobility: [
    0.05, 0.02, 0.01, 0.01, 0.03, 0.15, 0.5, 0.85, 0.8, 0.5, 0.45, 0.5, 0.55, 0.5, 0.5, 0.6, 0.85, 0.95, 0.75,
    0.5, 0.35, 0.25, 0.15, 0.08,
  ],
}
const WEEKEND: Record<ApSiteType, number[]> = {
  square: [
    0.2, 0.12, 0.06, 0.03, 0.02, 0.02, 0.05, 0.1, 0.2, 0.35, 0.55, 0.75, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9,
    0.85, 0.75, 0.6, 0.45, 0.3,
  ],
  tram: [
    0.15, 0.1, 0.05, 0.02, 0.02, 0.03, 0.08, 0.15, 0.25, 0.35, 0.45, 0.5, 0.55, 0.55, 0.55, 0.55, 0.55, 0.5,
    0.5, 0.45, 0.4, 0.35, 0.3, 0.2,
  ],
  mobility: [
    0.1, 0.05, 0.02, 0.01, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.5, 0.5, 0.5, 0.5, 0.45, 0.4,
    0.35, 0.3, 0.25, 0.2, 0.12,
  ],
}

export function apLoadFactor(type: ApSiteType, t: LocalTime): number {
  const weekend = t.weekday >= 5
  const summer = t.month >= 5 && t.month <= 9 && type === 'square' ? 1.2 : 1
  return (weekend ? WEEKEND : WORKDAY)[type][t.hour]! * summer
}

/** The shipped WLAN site types (`typ`) grouped by their daily rhythm. */
export function apSiteType(typ: string): ApSiteType {
  if (typ.startsWith('Tramlinie')) return 'tram'
  if (typ === 'Mobilitätsstation') return 'mobility'
  return 'square'
}
