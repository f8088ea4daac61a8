/** Two toggle buttons, each language named in itself (and marked with its `lang`). */
import { LANG_NAMES, LANGS, type Lang } from './i18n.ts'

type Props = { lang: Lang; label: string; onChange: (lang: Lang) => void }

export function LanguageToggle({ lang, label, onChange }: Props) {
  return (
    <div role="group" aria-label={label} className="lang-toggle">
      {LANGS.map((option) => (
        <button
          key={option}
          type="button"
          lang={option}
          aria-pressed={option === lang}
          onClick={() => onChange(option)}
        >
          {LANG_NAMES[option]}
        </button>
      ))}
    </div>
  )
}
