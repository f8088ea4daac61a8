/** Words for the fill bands, so the legend and the table never rely on colour alone. */
import { FILL_THRESHOLDS, type FillBand } from './fill-colour.ts'
import { t, type Lang, type MessageKey } from './i18n.ts'

const LABEL_KEYS: Record<FillBand, MessageKey> = {
  low: 'bandLow',
  medium: 'bandMedium',
  full: 'bandFull',
  unknown: 'bandUnknown',
}

export function bandLabel(lang: Lang, band: FillBand): string {
  return t(lang, LABEL_KEYS[band])
}

/** The percent range of a band, e.g. "50 % to below 80 %". */
export function bandRange(lang: Lang, band: FillBand): string {
  const { medium, full } = FILL_THRESHOLDS
  switch (band) {
    case 'low':
      return t(lang, 'legendBelow', { n: medium })
    case 'medium':
      return t(lang, 'legendBetween', { from: medium, to: full })
    case 'full':
      return t(lang, 'legendAtLeast', { n: full })
    case 'unknown':
      return t(lang, 'legendNone')
  }
}
