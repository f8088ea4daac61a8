/**
 * Local time in Munich (Europe/Berlin, with daylight saving) for rhythms that follow people's days.
 * Pure and deterministic: Intl's time-zone data, no clock reads.
 */
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  weekday: 'short',
  hour: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hourCycle: 'h23',
})

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

export type LocalTime = {
  /** 0 = Monday … 6 = Sunday */
  weekday: number
  hour: number
  /** 1–12 */
  month: number
  day: number
}

let last: { ms: number; local: LocalTime } | null = null

/** Fleets ask for the same instant once per device: the last answer is kept (Intl is slow). */
export function munichTime(t: Date): LocalTime {
  const ms = t.getTime()
  if (last?.ms === ms) return last.local
  const local = compute(t)
  last = { ms, local }
  return local
}

function compute(t: Date): LocalTime {
  const p = Object.fromEntries(parts.formatToParts(t).map((x) => [x.type, x.value]))
  return {
    weekday: WEEKDAYS.indexOf(p.weekday ?? 'Mon'),
    hour: Number(p.hour),
    month: Number(p.month),
    day: Number(p.day),
  }
}
