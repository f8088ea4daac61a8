/** Colour legend with band names and percent ranges (WCAG 1.4.1: not colour alone). */
import { bandLabel, bandRange } from './band-text.ts'
import { FILL_BANDS } from './fill-colour.ts'
import { FillSwatch } from './FillSwatch.tsx'
import { t, type Lang } from './i18n.ts'

export function Legend({ lang }: { lang: Lang }) {
  return (
    <div className="legend">
      <h3 id="legend-heading">{t(lang, 'legendHeading')}</h3>
      <ul aria-labelledby="legend-heading">
        {FILL_BANDS.map((band) => (
          <li key={band}>
            <FillSwatch band={band} /> <strong>{bandLabel(lang, band)}</strong>: {bandRange(lang, band)}
          </li>
        ))}
      </ul>
    </div>
  )
}
