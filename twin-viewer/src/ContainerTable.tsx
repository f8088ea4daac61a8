/** Every container as a table row: the accessible equivalent of the points on the globe. */
import type { ContainerFeature, ContainerLayer } from '@urbantwin/model'
import { bandLabel } from './band-text.ts'
import { fillBand } from './fill-colour.ts'
import { FillSwatch } from './FillSwatch.tsx'
import { formatPercent, formatPhenomenonTime } from './format.ts'
import { t, type Lang } from './i18n.ts'

type Props = { lang: Lang; layer: ContainerLayer | null }

export function ContainerTable({ lang, layer }: Props) {
  const features = layer?.features ?? []
  return (
    // a scrollable region must be keyboard-focusable to scroll (WCAG 2.1.1)
    <div className="table-scroll" role="region" aria-labelledby="container-caption" tabIndex={0}>
      <table data-testid="container-table">
        <caption id="container-caption">{t(lang, 'tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t(lang, 'colName')}</th>
            <th scope="col">{t(lang, 'colAddress')}</th>
            <th scope="col">{t(lang, 'colFill')}</th>
            <th scope="col">{t(lang, 'colTime')}</th>
          </tr>
        </thead>
        <tbody>
          {features.map((feature) => (
            <ContainerRow key={feature.id} lang={lang} feature={feature} />
          ))}
          {features.length === 0 && (
            <tr>
              <td colSpan={4}>{t(lang, 'noContainers')}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}

function ContainerRow({ lang, feature }: { lang: Lang; feature: ContainerFeature }) {
  const { name, address, fillLevel, phenomenonTime } = feature.properties
  const band = fillBand(fillLevel)
  const time = formatPhenomenonTime(phenomenonTime, lang)
  return (
    <tr data-testid="container-row" data-band={band}>
      <th scope="row">{name}</th>
      <td>{address ?? <span className="muted">{t(lang, 'notGiven')}</span>}</td>
      <td className="fill">
        <FillSwatch band={band} />{' '}
        {fillLevel === null || band === 'unknown'
          ? bandLabel(lang, band)
          : `${formatPercent(fillLevel, lang)} – ${bandLabel(lang, band)}`}
      </td>
      <td>{time && phenomenonTime ? <time dateTime={phenomenonTime}>{time}</time> : '–'}</td>
    </tr>
  )
}
