/** Page layout: header with language toggle, globe with live status, container table, districts, credits. */
import { useEffect, useState } from 'react'
import { ContainerTable } from './ContainerTable.tsx'
import { Credits } from './Credits.tsx'
import { CONTAINER_POLL_MS, useContainers } from './data/use-containers.ts'
import { useDistricts } from './data/use-districts.ts'
import { DistrictList } from './DistrictList.tsx'
import { Globe } from './Globe.tsx'
import { t, type Lang } from './i18n.ts'
import { LanguageToggle } from './LanguageToggle.tsx'
import { Legend } from './Legend.tsx'
import { StatusLine } from './StatusLine.tsx'

type Props = { initialLang: Lang; pollMs?: number }

export function App({ initialLang, pollMs = CONTAINER_POLL_MS }: Props) {
  const [lang, setLang] = useState<Lang>(initialLang)
  const containers = useContainers(undefined, pollMs)
  const { districts, error: districtError } = useDistricts()

  useEffect(() => {
    document.documentElement.lang = lang
    document.title = t(lang, 'appTitle')
  }, [lang])

  return (
    <>
      <a className="skip-link" href="#containers">
        {t(lang, 'skipToTable')}
      </a>
      <header className="app-header">
        <h1>{t(lang, 'appTitle')}</h1>
        <LanguageToggle lang={lang} label={t(lang, 'languageLabel')} onChange={setLang} />
      </header>
      <main>
        <section className="map" aria-labelledby="map-heading">
          <h2 id="map-heading" className="visually-hidden">
            {t(lang, 'globeHeading')}
          </h2>
          <p id="map-description" className="visually-hidden">
            {t(lang, 'globeDescription')}
          </p>
          <Globe districts={districts} containers={containers.layer} describedBy="map-description" />
          <StatusLine lang={lang} state={containers} pollMs={pollMs} />
        </section>
        <div className="panels">
          <section id="containers" tabIndex={-1} aria-labelledby="containers-heading">
            <h2 id="containers-heading">{t(lang, 'containersHeading')}</h2>
            <Legend lang={lang} />
            <ContainerTable lang={lang} layer={containers.layer} />
          </section>
          <section aria-labelledby="districts-heading">
            <h2 id="districts-heading">{t(lang, 'districtsHeading')}</h2>
            <DistrictList lang={lang} districts={districts} error={districtError} />
          </section>
        </div>
      </main>
      <Credits lang={lang} />
    </>
  )
}
