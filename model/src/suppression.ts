import type { Cell, SumConstraint } from './disaggregation.ts'

/**
 * Small-cell suppression: the one rule every public output of gender-disaggregated counts goes
 * through (API JSON, CSV, GeoJSON, MQTT). Pure, so that property tests can hold it to its promise:
 * no published number, alone or with the others of the same result, gives away a count below k.
 *
 * 1. Primary: every count below k (0 included) is hidden.
 * 2. Complementary, until nothing changes:
 *    - no hidden count may follow from the public numbers through the constraints (total = Σ parts,
 *      solved together as a linear system: a cell is given away when it lies in the row space);
 *    - where a constraint's total is public, its hidden parts together (total − public parts, which
 *      anyone can work out) must reach k: two hidden cells summing to 3 say both are below k.
 *    Each time, the smallest public count of a constraint involved is hidden next.
 * 3. Amounts follow their count; ratios are hidden when their numerator or denominator is.
 * Missing numbers (null) are unknown to everyone: they stay null and count as unknowns.
 */

/** The default minimum published count (k). */
export const DEFAULT_MIN_CELL = 10

export type SuppressionSpec = { cells: readonly Cell[]; constraints: readonly SumConstraint[] }

export type SuppressionResult = {
  /** The numbers to publish: hidden ones are null. */
  values: (number | null)[]
  /** Indexes of the numbers hidden here (not those that were null already), ascending. */
  suppressed: number[]
}

const EPSILON = 1e-9

/** Rank of a small dense matrix (Gaussian elimination with partial pivoting). */
function rank(matrix: readonly (readonly number[])[]): number {
  const m = matrix.map((row) => [...row])
  const cols = m[0]?.length ?? 0
  let r = 0
  for (let c = 0; c < cols && r < m.length; c++) {
    let pivot = r
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i]![c]!) > Math.abs(m[pivot]![c]!)) pivot = i
    if (Math.abs(m[pivot]![c]!) < EPSILON) continue
    ;[m[r], m[pivot]] = [m[pivot]!, m[r]!]
    for (let i = 0; i < m.length; i++) {
      if (i === r) continue
      const f = m[i]![c]! / m[r]![c]!
      if (f !== 0) for (let j = c; j < cols; j++) m[i]![j]! -= f * m[r]![j]!
    }
    r++
  }
  return r
}

/**
 * The unknown cells whose value follows from the constraints and the known ones. `unknown` lists
 * cell indexes; constraints not touching one say nothing about them.
 */
function determinedCells(unknown: ReadonlySet<number>, constraints: readonly SumConstraint[]): number[] {
  const vars = [...unknown].sort((a, b) => a - b)
  const column = new Map(vars.map((v, i) => [v, i]))
  const rows: number[][] = []
  for (const c of constraints) {
    const row = new Array<number>(vars.length).fill(0)
    const add = (cell: number, coefficient: number) => {
      const j = column.get(cell)
      if (j !== undefined) row[j]! += coefficient
    }
    add(c.total, 1)
    for (const p of c.parts) add(p, -1)
    if (row.some((x) => Math.abs(x) > EPSILON)) rows.push(row)
  }
  if (rows.length === 0) return []
  const base = rank(rows)
  return vars.filter((_, j) => {
    const unit = new Array<number>(vars.length).fill(0)
    unit[j] = 1
    return rank([...rows, unit]) === base
  })
}

export function suppress(
  values: readonly (number | null)[],
  spec: SuppressionSpec,
  k: number = DEFAULT_MIN_CELL,
): SuppressionResult {
  const { cells, constraints } = spec
  const isCount = (i: number) => cells[i]?.measure === 'count'
  const hidden = new Set<number>()
  const known = (i: number) => values[i] !== null && values[i] !== undefined && !hidden.has(i)

  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (isCount(i) && v !== null && v !== undefined && v < k) hidden.add(i)
  }

  /** Hides the smallest public count among `candidates`; false when there is none. */
  const hideSmallest = (candidates: readonly number[]): boolean => {
    let best: number | null = null
    for (const i of candidates) {
      if (!isCount(i) || !known(i)) continue
      if (best === null || (values[i] as number) < (values[best] as number)) best = i
    }
    if (best === null) return false
    hidden.add(best)
    return true
  }
  const cellsOf = (c: SumConstraint) => [...c.parts, c.total]

  const unknownCells = () => {
    const u = new Set<number>()
    for (const c of constraints) for (const i of cellsOf(c)) if (!known(i)) u.add(i)
    return u
  }
  const allConstrained = constraints.flatMap(cellsOf)
  // each round hides one more count, so this ends within values.length rounds
  for (;;) {
    const exposed = determinedCells(unknownCells(), constraints).find((i) => hidden.has(i))
    if (exposed !== undefined) {
      const around = constraints.filter((c) => cellsOf(c).includes(exposed)).flatMap(cellsOf)
      if (hideSmallest(around) || hideSmallest(allConstrained)) continue
    }
    const thin = constraints.find((c) => {
      if (!known(c.total)) return false
      const hiddenParts = c.parts.filter((p) => hidden.has(p))
      const residual = hiddenParts.reduce((sum, p) => sum + (values[p] as number), 0)
      return hiddenParts.length > 0 && residual < k && c.parts.some((p) => isCount(p) && known(p))
    })
    if (thin && hideSmallest(thin.parts)) continue
    break
  }

  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!
    if (cell.measure === 'amount' && cell.per !== undefined && hidden.has(cell.per)) hidden.add(i)
  }
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!
    if (cell.measure === 'ratio' && cell.of && (hidden.has(cell.of[0]) || hidden.has(cell.of[1])))
      hidden.add(i)
  }
  const suppressed = [...hidden]
    .filter((i) => values[i] !== null && values[i] !== undefined)
    .sort((a, b) => a - b)
  return { values: values.map((v, i) => (hidden.has(i) ? null : v)), suppressed }
}
