import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Cell, SumConstraint } from './disaggregation.ts'
import { DEFAULT_MIN_CELL, suppress } from './suppression.ts'

/**
 * The promise of suppress(): nothing published gives away a count below k. Checked with oracles
 * written apart from it: exact elimination over integers (which hidden cells the public numbers
 * determine), and for small tables, every integer table that agrees with what is published.
 */

const count = (name: string): Cell => ({ name, measure: 'count' })

/** A one-way table: the four gender categories and their total (cell 4). */
const GENDER_TABLE = {
  cells: ['female', 'male', 'diverse', 'unspecified', 'total'].map(count),
  constraints: [{ total: 4, parts: [0, 1, 2, 3] }] as SumConstraint[],
}
const withTotal = (parts: number[]) => [...parts, parts.reduce((a, b) => a + b, 0)]

/**
 * A two-way table rows × cols, cells row-major, then row totals, column totals, grand total;
 * constraints for every row, every column and the grand total (both ways).
 */
function twoWay(rows: number, cols: number) {
  const inner = rows * cols
  const rowTotal = (r: number) => inner + r
  const colTotal = (c: number) => inner + rows + c
  const grand = inner + rows + cols
  const constraints: SumConstraint[] = []
  for (let r = 0; r < rows; r++)
    constraints.push({ total: rowTotal(r), parts: Array.from({ length: cols }, (_, c) => r * cols + c) })
  for (let c = 0; c < cols; c++)
    constraints.push({ total: colTotal(c), parts: Array.from({ length: rows }, (_, r) => r * cols + c) })
  constraints.push({ total: grand, parts: Array.from({ length: rows }, (_, r) => rowTotal(r)) })
  constraints.push({ total: grand, parts: Array.from({ length: cols }, (_, c) => colTotal(c)) })
  const cells = Array.from({ length: grand + 1 }, (_, i) => count(`c${i}`))
  const fill = (inside: number[]) => {
    const v = [...inside]
    for (let r = 0; r < rows; r++) v.push(inside.slice(r * cols, r * cols + cols).reduce((a, b) => a + b, 0))
    for (let c = 0; c < cols; c++)
      v.push(Array.from({ length: rows }, (_, r) => inside[r * cols + c]!).reduce((a, b) => a + b, 0))
    v.push(inside.reduce((a, b) => a + b, 0))
    return v
  }
  return { spec: { cells, constraints }, inner, fill }
}

/** Exact rank over the rationals by fraction-free (Bareiss-style) integer elimination. */
function exactRank(rows: bigint[][]): number {
  const m = rows.map((r) => [...r])
  let rank = 0
  const cols = m[0]?.length ?? 0
  for (let c = 0; c < cols && rank < m.length; c++) {
    const p = m.findIndex((row, i) => i >= rank && row[c] !== 0n)
    if (p < 0) continue
    ;[m[rank], m[p]] = [m[p]!, m[rank]!]
    for (let i = 0; i < m.length; i++) {
      if (i === rank || m[i]![c] === 0n) continue
      const a = m[rank]![c]!
      const b = m[i]![c]!
      m[i] = m[i]!.map((x, j) => x * a - m[rank]![j]! * b)
    }
    rank++
  }
  return rank
}

/** Hidden cells that the public cells and the constraints pin down exactly (oracle). */
function revealed(published: readonly (number | null)[], constraints: readonly SumConstraint[]): number[] {
  const unknown = published.flatMap((v, i) => (v === null ? [i] : []))
  const rows = constraints.map((c) => {
    const row = unknown.map(() => 0n)
    const at = (i: number) => unknown.indexOf(i)
    if (at(c.total) >= 0) row[at(c.total)]! += 1n
    for (const p of c.parts) if (at(p) >= 0) row[at(p)]! -= 1n
    return row
  })
  const base = exactRank(rows)
  return unknown.filter((_, j) => exactRank([...rows, unknown.map((__, i) => (i === j ? 1n : 0n))]) === base)
}

/** What anyone can compute from the published numbers, per constraint: total − public parts. */
function residuals(published: readonly (number | null)[], constraints: readonly SumConstraint[]) {
  return constraints.flatMap((c) => {
    const total = published[c.total]
    const hiddenParts = c.parts.filter((p) => published[p] === null)
    if (total === null || total === undefined || hiddenParts.length === 0) return []
    return [total - c.parts.reduce((sum, p) => sum + (published[p] ?? 0), 0)]
  })
}

describe('small-cell suppression', () => {
  it('hides a small cell and the smallest other cell, so that the total does not give it back', () => {
    const out = suppress(withTotal([120, 110, 3, 40]), GENDER_TABLE)
    expect(out.values).toEqual([120, 110, null, null, 273])
    expect(out.suppressed).toEqual([2, 3])
  })

  it('hides a third cell when the two hidden ones add up to less than k', () => {
    // diverse 0 and unspecified 4: total − female − male = 4 would say both are below 10
    const out = suppress(withTotal([120, 110, 0, 4]), GENDER_TABLE)
    expect(out.values).toEqual([120, null, null, null, 234]) // male, the smaller public part, goes too
    expect(out.suppressed).toEqual([1, 2, 3])
  })

  it('publishes a table without small cells unchanged and hides everything when all are small', () => {
    expect(suppress(withTotal([20, 30, 10, 11]), GENDER_TABLE).suppressed).toEqual([])
    expect(suppress(withTotal([1, 2, 0, 3]), GENDER_TABLE).values).toEqual([null, null, null, null, null])
  })

  it('hides ratios and amounts whose count is hidden, and keeps null as null', () => {
    const cells: Cell[] = [
      { name: 'deaths female', measure: 'count' },
      { name: 'sum of ages', measure: 'amount', per: 0 },
      { name: 'mean age', measure: 'ratio', of: [1, 0] },
      { name: 'residents female', measure: 'count' },
      { name: 'share', measure: 'ratio', of: [0, 3] },
      { name: 'area', measure: 'other' },
    ]
    const out = suppress([4, 330, 82.5, 500, 0.8, 3.1], { cells, constraints: [] })
    expect(out.values).toEqual([null, null, null, 500, null, 3.1])
    // a missing part is unknown to everyone: the total does not give it back, and it is not "suppressed"
    const pair = { cells: [count('a'), count('b'), count('t')], constraints: [{ total: 2, parts: [0, 1] }] }
    expect(suppress([null, 20, 30], pair)).toEqual({ values: [null, 20, 30], suppressed: [] })
  })

  it('never publishes a count below k, nor one the public numbers pin down (one-way tables)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 400 })), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 20 }),
        (parts, k) => {
          const values = withTotal(parts)
          const out = suppress(values, GENDER_TABLE, k)
          out.values.forEach((v, i) => {
            if (v !== null) expect(v).toBe(values[i]) // what is shown is the truth
            if (v !== null) expect(v).toBeGreaterThanOrEqual(k)
          })
          expect(revealed(out.values, GENDER_TABLE.constraints)).toEqual([])
          for (const r of residuals(out.values, GENDER_TABLE.constraints)) expect(r).toBeGreaterThanOrEqual(k)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('never publishes a count below k, nor one the public numbers pin down (two-way tables)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 300 })), {
          minLength: 16,
          maxLength: 16,
        }),
        (rows, cols, pool) => {
          const { spec, fill } = twoWay(rows, cols)
          const values = fill(pool.slice(0, rows * cols))
          const out = suppress(values, spec)
          out.values.forEach((v, i) => {
            if (v !== null) expect(v).toBeGreaterThanOrEqual(DEFAULT_MIN_CELL)
            if (v !== null) expect(v).toBe(values[i])
          })
          expect(revealed(out.values, spec.constraints)).toEqual([])
          for (const r of residuals(out.values, spec.constraints))
            expect(r).toBeGreaterThanOrEqual(DEFAULT_MIN_CELL)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('leaves every hidden cell of a small 2×2 table open to several values, one of them at least k', () => {
    // brute force: every table of non-negative integers that agrees with all published numbers
    const k = 4
    const { spec, inner, fill } = twoWay(2, 2)
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: inner, maxLength: inner }),
        (inside) => {
          const out = suppress(fill(inside), spec, k)
          const hidden = out.values.flatMap((v, i) => (v === null ? [i] : []))
          if (hidden.length === 0) return
          const seen = new Map(hidden.map((i) => [i, new Set<number>()]))
          const top = inside.reduce((a, b) => a + b, 0) + k // with the grand total hidden, larger tables fit too
          for (let a = 0; a <= top; a++)
            for (let b = 0; a + b <= top; b++)
              for (let c = 0; a + b + c <= top; c++)
                for (let d = 0; a + b + c + d <= top; d++) {
                  const t = fill([a, b, c, d])
                  if (t.every((v, i) => out.values[i] === null || out.values[i] === v))
                    for (const i of hidden) seen.get(i)!.add(t[i]!)
                }
          for (const i of hidden) {
            const options = [...seen.get(i)!]
            expect(options.length).toBeGreaterThan(1)
            expect(Math.max(...options)).toBeGreaterThanOrEqual(k)
          }
        },
      ),
      { numRuns: 100 },
    )
  }, 60_000)
})
