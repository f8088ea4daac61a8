import type { Expr, Id, ObservationEvent, ObservationRecord } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

export type ResolveStore = Pick<Store, 'latestObservations' | 'observations'>

/** phenomenonTimes asked for in one query (one `or` of `eq`s) when readings are not the newest. */
const TIMES_PER_QUERY = 50

const msOf = (iso: string) => Date.parse(iso)
const keyOf = (datastreamId: Id, ms: number) => `${datastreamId}@${ms}`

const atTime = (iso: string): Expr => ({
  kind: 'binary',
  op: 'eq',
  left: { kind: 'property', path: ['phenomenonTime'] },
  right: { kind: 'literal', type: 'datetime', value: iso },
})

/**
 * The stored Observations (with their ids) that ingest's events announce, in event order; an event
 * whose Observation is not found (deleted meanwhile) is left out, repeated ones are given once.
 * The newest reading of each Datastream comes from the store's latest-value index (one call for the
 * whole batch); older ones (back-filled, or several per Datastream in one batch) are looked up by
 * phenomenonTime, up to 50 per query.
 */
export async function resolveObservations(
  store: ResolveStore,
  events: readonly ObservationEvent[],
): Promise<ObservationRecord[]> {
  const wanted = new Map<string, { datastreamId: Id; ms: number; iso: string }>()
  for (const e of events) {
    const ms = msOf(e.phenomenonTime)
    if (Number.isFinite(ms))
      wanted.set(keyOf(e.datastreamId, ms), { datastreamId: e.datastreamId, ms, iso: e.phenomenonTime })
  }
  const found = new Map<string, ObservationRecord>()
  const latest = await store.latestObservations([...new Set([...wanted.values()].map((w) => w.datastreamId))])
  for (const { observation } of latest.values())
    found.set(keyOf(observation.datastreamId, msOf(observation.phenomenonTime)), observation)

  const older = new Map<Id, string[]>()
  for (const [key, w] of wanted)
    if (!found.has(key)) older.set(w.datastreamId, [...(older.get(w.datastreamId) ?? []), w.iso])
  for (const [datastreamId, times] of older) {
    for (let i = 0; i < times.length; i += TIMES_PER_QUERY) {
      const chunk = times.slice(i, i + TIMES_PER_QUERY)
      const filter = chunk
        .map(atTime)
        .reduce((left, right): Expr => ({ kind: 'binary', op: 'or', left, right }))
      const page = await store.observations(datastreamId, {
        top: chunk.length,
        skip: 0,
        filter,
        count: false,
      })
      for (const o of page.items) found.set(keyOf(datastreamId, msOf(o.phenomenonTime)), o)
    }
  }
  return [...wanted.keys()].flatMap((key) => {
    const o = found.get(key)
    return o ? [o] : []
  })
}
