import type { Expr } from '@urbantwin/model'

/**
 * The `[fromMs, toMs)` window a filter's top-level `and` puts on a time property, for engines that
 * can only select by time (TSDBs): `phenomenonTime ge 2026-11-01T00:00:00Z and result gt 3` reads
 * from 1 November on. Only a necessary condition: the filter itself is still applied to what is read.
 */
export function timeBounds(expr: Expr, property: string): { fromMs?: number; toMs?: number } {
  const out: { fromMs?: number; toMs?: number } = {}
  const narrow = (op: string, ms: number) => {
    // from is inclusive, to exclusive; a millisecond is the engines' resolution
    if (op === 'gt' || op === 'ge' || op === 'eq')
      out.fromMs = Math.max(out.fromMs ?? -Infinity, op === 'gt' ? ms + 1 : ms)
    if (op === 'lt' || op === 'le' || op === 'eq')
      out.toMs = Math.min(out.toMs ?? Infinity, op === 'lt' ? ms : ms + 1)
  }
  const mirror: Record<string, string> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', eq: 'eq' }
  const visit = (e: Expr) => {
    if (e.kind !== 'binary') return
    if (e.op === 'and') {
      visit(e.left)
      visit(e.right)
      return
    }
    const isProp = (x: Expr) => x.kind === 'property' && x.path.length === 1 && x.path[0] === property
    const time = (x: Expr) => (x.kind === 'literal' && x.type === 'datetime' ? Date.parse(x.value) : null)
    if (isProp(e.left) && time(e.right) !== null && mirror[e.op]) narrow(e.op, time(e.right)!)
    else if (isProp(e.right) && time(e.left) !== null && mirror[e.op]) narrow(mirror[e.op]!, time(e.left)!)
  }
  visit(expr)
  return out
}
