/** How many districts are drawn, and their names in official number order. */
import type { District } from './data/districts.ts'
import { t, type Lang } from './i18n.ts'

type Props = { lang: Lang; districts: readonly District[] | null; error: string | null }

export function DistrictList({ lang, districts, error }: Props) {
  if (error !== null) return <p className="error">{t(lang, 'districtsError', { reason: error })}</p>
  if (!districts) return <p>{t(lang, 'districtsLoading')}</p>
  return (
    <>
      <p>
        <strong data-testid="district-count">{districts.length}</strong> {t(lang, 'districtsDrawn')}
      </p>
      <ol className="district-list">
        {districts.map((district) => (
          <li key={district.number} value={district.number}>
            {district.name}
          </li>
        ))}
      </ol>
    </>
  )
}
