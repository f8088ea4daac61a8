import { describe, expect, it } from 'vitest'
import type { BinaryOperator, Expr } from '@urbantwin/model'
import { timeBounds } from './time-bounds.ts'

const T = '2026-11-23T08:00:00.000Z'
const ms = Date.parse(T)
const prop = (name: string): Expr => ({ kind: 'property', path: [name] })
const time: Expr = { kind: 'literal', type: 'datetime', value: T }
const bin = (op: BinaryOperator, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right })
const pt = prop('phenomenonTime')

describe('timeBounds: the [from, to) window a filter puts on a time property', () => {
  it('reads each comparison, either way round, as a half-open window in milliseconds', () => {
    expect(timeBounds(bin('ge', pt, time), 'phenomenonTime')).toEqual({ fromMs: ms })
    expect(timeBounds(bin('gt', pt, time), 'phenomenonTime')).toEqual({ fromMs: ms + 1 })
    expect(timeBounds(bin('lt', pt, time), 'phenomenonTime')).toEqual({ toMs: ms })
    expect(timeBounds(bin('le', pt, time), 'phenomenonTime')).toEqual({ toMs: ms + 1 })
    expect(timeBounds(bin('eq', pt, time), 'phenomenonTime')).toEqual({ fromMs: ms, toMs: ms + 1 })
    expect(timeBounds(bin('lt', time, pt), 'phenomenonTime')).toEqual({ fromMs: ms + 1 })
    expect(timeBounds(bin('ge', time, pt), 'phenomenonTime')).toEqual({ toMs: ms + 1 })
  })

  it('narrows through and, never through or, not or other properties', () => {
    const later: Expr = { kind: 'literal', type: 'datetime', value: '2026-11-24T08:00:00.000Z' }
    const both = bin(
      'and',
      bin('ge', pt, time),
      bin('and', bin('lt', pt, later), bin('gt', prop('result'), time)),
    )
    expect(timeBounds(both, 'phenomenonTime')).toEqual({ fromMs: ms, toMs: ms + 86_400_000 })
    expect(timeBounds(bin('or', bin('ge', pt, time), bin('lt', pt, later)), 'phenomenonTime')).toEqual({})
    expect(timeBounds({ kind: 'not', operand: bin('ge', pt, time) }, 'phenomenonTime')).toEqual({})
    expect(timeBounds(bin('ge', prop('resultTime'), time), 'phenomenonTime')).toEqual({})
    expect(timeBounds(bin('ne', pt, time), 'phenomenonTime')).toEqual({})
  })
})
