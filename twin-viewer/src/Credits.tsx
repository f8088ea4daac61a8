/** Data attribution (dl-de/by-2-0 asks for the source as given, in German) and software licences. */
import { t, type Lang } from './i18n.ts'

/** Verbatim from model/data/munich/README.md, "Attribution". */
const DATA_ATTRIBUTIONS = [
  'Datenquelle: dl-de/by-2-0: Landeshauptstadt München – Kommunalreferat – GeodatenService (Stadtbezirke, vablock_stadtbezirk); verändert (Koordinatentransformation).',
  'Datenquelle: dl-de/by-2-0: Landeshauptstadt München – Abfallwirtschaftsbetrieb München (Wertstoffinseln, awm_container_opendata, Stand 2023); verändert (Koordinatentransformation).',
] as const

export function Credits({ lang }: { lang: Lang }) {
  return (
    <footer className="credits" aria-labelledby="credits-heading">
      <h2 id="credits-heading">{t(lang, 'creditsHeading')}</h2>
      <ul>
        {DATA_ATTRIBUTIONS.map((text) => (
          <li key={text} lang="de">
            {text}
          </li>
        ))}
        <li>
          <a href="https://www.govdata.de/dl-de/by-2-0" rel="license noreferrer">
            Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)
          </a>
        </li>
        <li>CesiumJS (Apache-2.0)</li>
        <li>{t(lang, 'creditsImagery')}</li>
      </ul>
    </footer>
  )
}
