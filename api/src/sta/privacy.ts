import {
  DEFAULT_MIN_CELL,
  claimsDisaggregation,
  disaggregationOf,
  suppress,
  type Disaggregation,
  type Expr,
  type Id,
  type ObservationRecord,
  type OrderBy,
  type PageRequest,
} from '@urbantwin/model'
import type { Store } from '@urbantwin/store'
import { HttpError } from '../http/errors.ts'

/**
 * Small-cell suppression where Observations leave the platform: one wrapper around the store, which
 * every public reader of Observations goes through (SensorThings JSON, `$expand`, CSV and GeoJSON
 * exports, the MQTT extension). The rule itself is `suppress` (model); this applies it to each
 * Observation of a (Multi)Datastream whose `properties.disaggregation` says which numbers are counts:
 * hidden ones become null and `parameters.suppressed` lists their positions (STA 8.2.7 `parameters`).
 * A stream that claims a disaggregation the schema does not accept cannot be protected cell by
 * cell: all its results are hidden. Operators (permission `read:unsuppressed`) read the store itself.
 */

export type SuppressionOptions = { minCell?: number }

/** What `parameters.suppression` says on an Observation with hidden numbers. */
export const suppressionNote = (k: number) =>
  `cells counting fewer than ${k} people are hidden (null), and as many others as keep them from being worked out`

type Spec = { kind: 'cells'; disaggregation: Disaggregation } | { kind: 'opaque' } | null

const RESULT_FREE_MS = 10_000

const mentionsResult = (e: Expr | undefined): boolean => {
  if (!e) return false
  switch (e.kind) {
    case 'property':
      return e.path[0] === 'result'
    case 'call':
      return e.args.some(mentionsResult)
    case 'binary':
      return mentionsResult(e.left) || mentionsResult(e.right)
    case 'not':
    case 'negate':
      return mentionsResult(e.operand)
    default:
      return false
  }
}
const ordersByResult = (o: readonly OrderBy[] | undefined) => (o ?? []).some((x) => mentionsResult(x.expr))
const asksAboutResult = (page: PageRequest) => mentionsResult(page.filter) || ordersByResult(page.orderBy)

const isNull = (path: string[]): Expr => ({
  kind: 'binary',
  op: 'eq',
  left: { kind: 'property', path },
  right: { kind: 'literal', type: 'null', value: null },
})
/** Observations of streams without a disaggregation: what a `result` filter may search publicly. */
const UNPROTECTED: Expr = {
  kind: 'binary',
  op: 'and',
  left: isNull(['Datastream', 'properties', 'disaggregation']),
  right: isNull(['MultiDatastream', 'properties', 'disaggregation']),
}

export class SuppressedQueryError extends HttpError {
  constructor() {
    super(
      400,
      'BAD_REQUEST',
      'this (Multi)Datastream is disaggregated by gender and its small cells are suppressed: its results cannot be filtered, ordered or aggregated publicly (an operator key can)',
    )
  }
}

/** Where a stream's disaggregation is looked up: Datastreams and MultiDatastreams by id. */
export type StreamLookup = Pick<Store, 'datastream' | 'multiDatastream'>

/** Suppression of Observation records as they are published (the MQTT extension uses this alone). */
export function createProtector(store: StreamLookup, opts: SuppressionOptions = {}) {
  const k = opts.minCell ?? DEFAULT_MIN_CELL
  const note = suppressionNote(k)

  async function specOf(id: Id): Promise<Spec> {
    // ids are shared: a MultiDatastream or a Datastream (the store caches both lookups)
    const owner = (await store.multiDatastream(id)) ?? (await store.datastream(id))
    if (!owner || !claimsDisaggregation(owner.properties)) return null
    const d = disaggregationOf(owner.properties)
    return d ? { kind: 'cells', disaggregation: d } : { kind: 'opaque' }
  }

  function apply(o: ObservationRecord, spec: Exclude<Spec, null>): ObservationRecord {
    const values = Array.isArray(o.result) ? o.result : [o.result]
    let hidden: number[]
    let out: unknown[]
    if (spec.kind === 'opaque') {
      hidden = values.flatMap((v, i) => (v === null ? [] : [i]))
      out = values.map(() => null)
    } else {
      const numbers = values.map((v) => (typeof v === 'number' ? v : null))
      const r = suppress(numbers, spec.disaggregation, k)
      hidden = r.suppressed
      out = values.map((v, i) => (hidden.includes(i) ? null : v))
    }
    if (hidden.length === 0) return o
    const result = (Array.isArray(o.result) ? out : out[0]) as ObservationRecord['result']
    return {
      ...o,
      result,
      parameters: { ...o.parameters, suppressed: Array.isArray(o.result) ? hidden : true, suppression: note },
    }
  }

  /** The records as the public may see them, in the same order. */
  async function protect(records: readonly ObservationRecord[]): Promise<ObservationRecord[]> {
    const specs = new Map<Id, Spec>()
    for (const id of new Set(records.map((o) => o.datastreamId))) specs.set(id, await specOf(id))
    return records.map((o) => {
      const spec = specs.get(o.datastreamId)
      return spec ? apply(o, spec) : o
    })
  }

  return { specOf, apply, protect, minCell: k }
}

export function createSuppression(store: Store, opts: SuppressionOptions = {}) {
  const { specOf, apply, protect, minCell } = createProtector(store, opts)
  let anyProtected: { at: number; value: boolean } | null = null
  /** Whether any (Multi)Datastream claims a disaggregation (checked again every few seconds). */
  async function hasProtected(): Promise<boolean> {
    if (anyProtected && Date.now() - anyProtected.at < RESULT_FREE_MS) return anyProtected.value
    const claims: Expr = {
      kind: 'binary',
      op: 'ne',
      left: { kind: 'property', path: ['properties', 'disaggregation'] },
      right: { kind: 'literal', type: 'null', value: null },
    }
    const [m, d] = await Promise.all([
      store.multiDatastreams({ top: 1, skip: 0, filter: claims, count: false }),
      store.datastreams({ top: 1, skip: 0, filter: claims, count: false }),
    ])
    anyProtected = { at: Date.now(), value: m.items.length + d.items.length > 0 }
    return anyProtected.value
  }

  /** What the public store answers differently; everything else is the store's own. */
  const overrides: Partial<Store> = {
    async observations(datastreamId, page) {
      const spec = await specOf(datastreamId)
      if (spec && asksAboutResult(page)) throw new SuppressedQueryError()
      const p = await store.observations(datastreamId, page)
      return spec ? { ...p, items: p.items.map((o) => apply(o, spec)) } : p
    },
    async allObservations(page) {
      // a result filter searches only unprotected streams: which hidden cell matched would tell
      const scoped =
        asksAboutResult(page) && (await hasProtected())
          ? {
              ...page,
              filter: page.filter
                ? ({ kind: 'binary', op: 'and', left: UNPROTECTED, right: page.filter } as Expr)
                : UNPROTECTED,
            }
          : page
      const p = await store.allObservations(scoped)
      return { ...p, items: await protect(p.items) }
    },
    async observation(id) {
      const o = await store.observation(id)
      return o ? ((await protect([o]))[0] ?? null) : null
    },
    async latestObservations(ids) {
      const latest = await store.latestObservations(ids)
      const out = new Map(latest)
      const protectedRecords = await protect([...latest.values()].map((l) => l.observation))
      for (const o of protectedRecords)
        out.set(o.datastreamId, { ...latest.get(o.datastreamId)!, observation: o })
      return out
    },
    async aggregateObservations(datastreamId, q) {
      if (await specOf(datastreamId)) throw new SuppressedQueryError()
      return store.aggregateObservations(datastreamId, q)
    },
  }
  if (store.observationColumns) {
    const columns = store.observationColumns.bind(store)
    // column pages carry no Datastream per row: a protected stream's page is read as records instead
    overrides.observationColumns = async (datastreamId, page) => {
      if (datastreamId === null ? await hasProtected() : await specOf(datastreamId)) return undefined
      return columns(datastreamId, page)
    }
  }
  /** The store as anonymous and reader-key clients read it (a proxy: the store may be one too). */
  const publicStore = new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store]
      const v: unknown = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  return { publicStore, protect, minCell }
}

export type Suppression = ReturnType<typeof createSuppression>
