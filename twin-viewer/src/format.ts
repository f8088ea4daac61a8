/** Locale formatting for the status line and the table. Pure: the caller passes the date. */
import type { Lang } from './i18n.ts'

const LOCALES: Record<Lang, string> = { de: 'de-DE', en: 'en-GB' }
const TIME_ZONE = 'Europe/Berlin'

/** `10:42` (the status line's "updated …"). */
export function formatClock(date: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: TIME_ZONE,
  }).format(date)
}

/** An ISO 8601 `phenomenonTime` as local date and time, or null when absent or unreadable. */
export function formatPhenomenonTime(iso: string | null, lang: Lang): string | null {
  if (iso === null) return null
  const date = new Date(iso.split('/')[0] ?? iso) // STA 2.2: an interval "start/end" → its start
  if (Number.isNaN(date.getTime())) return null
  return new Intl.DateTimeFormat(LOCALES[lang], {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: TIME_ZONE,
  }).format(date)
}

/** `85 %` in both languages (a narrow no-break space before %, as DIN 5008 and the SI brochure ask). */
export function formatPercent(level: number, lang: Lang): string {
  return `${new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 0 }).format(level)}\u202f%`
}
