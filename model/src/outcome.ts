/** Expected failures are values (STYLE.md): a reason an operator can read. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string }

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value }
}

export function fail<T = never>(reason: string): Outcome<T> {
  return { ok: false, reason }
}
