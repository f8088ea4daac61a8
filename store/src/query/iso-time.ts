const DAY_MS = 86_400_000
/** Years `Date#toISOString` writes with four digits; others (±YYYYYY) go through Date. */
const MIN_MS = Date.UTC(0, 0, 1)
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

let cachedDay = Number.NaN
let cachedPrefix = ''

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/**
 * `new Date(ms).toISOString()`, faster for runs of times on the same UTC day (a page of a time
 * series): the date part is made once per day, the time of day with integer arithmetic. In the
 * API benchmark, Date formatting took 3 s of the data thread's 51 s of work.
 */
export function isoOfMs(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  if (day !== cachedDay) {
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11) // YYYY-MM-DDT
    cachedDay = day
  }
  let rest = ms - day * DAY_MS
  const milli = rest % 1000
  rest = (rest - milli) / 1000
  const second = rest % 60
  rest = (rest - second) / 60
  const minute = rest % 60
  const hour = (rest - minute) / 60
  return `${cachedPrefix}${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(milli)}Z`
}
