import type { Expr, Id, PageRequest } from '@urbantwin/model'

const isDatastreamId = (e: Expr) =>
  e.kind === 'property' &&
  e.path.length === 2 &&
  e.path[0] === 'Datastream' &&
  (e.path[1] === 'id' || e.path[1] === '@iot.id')

/**
 * The one Datastream a filter on Observations pins (`Datastream/@iot.id eq 5`, alone or as a term of
 * an `and` at the top), and the filter without that term; null when it pins none.
 */
export function pinnedDatastream(filter: Expr | undefined): { id: Id; rest: Expr | undefined } | null {
  if (!filter || filter.kind !== 'binary') return null
  if (filter.op === 'eq') {
    const [prop, value] = isDatastreamId(filter.left)
      ? [filter.left, filter.right]
      : [filter.right, filter.left]
    if (
      isDatastreamId(prop) &&
      value.kind === 'literal' &&
      value.type === 'number' &&
      Number.isInteger(value.value)
    )
      return { id: value.value, rest: undefined }
    return null
  }
  if (filter.op !== 'and') return null
  const left = pinnedDatastream(filter.left)
  if (left) return { id: left.id, rest: left.rest ? { ...filter, left: left.rest } : filter.right }
  const right = pinnedDatastream(filter.right)
  if (right) return { id: right.id, rest: right.rest ? { ...filter, right: right.rest } : filter.left }
  return null
}

/** `page` with `filter` in place of its own (none when undefined). */
export function withFilter(page: PageRequest, filter: Expr | undefined): PageRequest {
  const { filter: _old, ...rest } = page
  return filter ? { ...rest, filter } : rest
}
