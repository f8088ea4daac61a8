import { describe, expect, it } from 'vitest'
import type { Expr } from '@urbantwin/model'
import { pinnedDatastream } from './pinned.ts'

const ds = (name = '@iot.id'): Expr => ({ kind: 'property', path: ['Datastream', name] })
const num = (value: number): Expr => ({ kind: 'literal', type: 'number', value })
const eq = (left: Expr, right: Expr): Expr => ({ kind: 'binary', op: 'eq', left, right })
const and = (left: Expr, right: Expr): Expr => ({ kind: 'binary', op: 'and', left, right })
const later: Expr = {
  kind: 'binary',
  op: 'gt',
  left: { kind: 'property', path: ['phenomenonTime'] },
  right: { kind: 'literal', type: 'datetime', value: '2026-11-23T08:00:00Z' },
}

describe('pinnedDatastream', () => {
  it('finds Datastream/@iot.id or Datastream/id eq an integer, either way round, alone or in a top-level and', () => {
    expect(pinnedDatastream(eq(ds(), num(5)))).toEqual({ id: 5, rest: undefined })
    expect(pinnedDatastream(eq(num(5), ds('id')))).toEqual({ id: 5, rest: undefined })
    expect(pinnedDatastream(and(later, eq(ds(), num(7))))).toEqual({ id: 7, rest: later })
    expect(pinnedDatastream(and(eq(ds(), num(7)), later))).toEqual({ id: 7, rest: later })
    expect(pinnedDatastream(and(and(later, eq(ds(), num(8))), later))).toEqual({
      id: 8,
      rest: and(later, later),
    })
  })

  it('pins nothing under or, not, other comparisons, other properties or non-integers', () => {
    expect(pinnedDatastream(undefined)).toBeNull()
    expect(pinnedDatastream(later)).toBeNull()
    expect(pinnedDatastream({ kind: 'binary', op: 'or', left: eq(ds(), num(1)), right: later })).toBeNull()
    expect(pinnedDatastream({ kind: 'not', operand: eq(ds(), num(1)) })).toBeNull()
    expect(pinnedDatastream({ kind: 'binary', op: 'ge', left: ds(), right: num(1) })).toBeNull()
    expect(pinnedDatastream(eq({ kind: 'property', path: ['Datastream', 'name'] }, num(1)))).toBeNull()
    expect(pinnedDatastream(eq(ds(), num(1.5)))).toBeNull()
    expect(pinnedDatastream(eq(ds(), { kind: 'literal', type: 'string', value: '1' }))).toBeNull()
  })
})
