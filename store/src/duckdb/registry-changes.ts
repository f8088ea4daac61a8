import type { Id } from '@urbantwin/model'
import type { RegistryChange, RegistrySet } from '../ports.ts'
import type { SerialConnection } from './sql.ts'

/** Registry tables in the order their new rows are told (parents before what links to them). */
const TABLES: ReadonlyArray<[RegistrySet, string]> = [
  ['Things', 'things'],
  ['Locations', 'locations'],
  ['HistoricalLocations', 'historical_locations'],
  ['Sensors', 'sensors'],
  ['ObservedProperties', 'observed_properties'],
  ['Datastreams', 'datastreams'],
  ['MultiDatastreams', 'multi_datastreams'],
]

const HIGHEST = TABLES.map(([set, table]) => `SELECT '${set}' AS set, max(id) AS id FROM ${table}`).join(
  ' UNION ALL ',
)
const NEWER = `SELECT set, id FROM (${TABLES.map(
  ([set, table], i) => `SELECT ${i} AS ord, '${set}' AS set, id FROM ${table} WHERE id > ?`,
).join(' UNION ALL ')}) ORDER BY ord, id`

export type RegistryListener = (changes: readonly RegistryChange[]) => void

export type RegistryFeed = {
  watch(listener: RegistryListener, onError?: (err: unknown) => void): () => void
  /** A registry write committed (or failed): what it created is found and told. */
  written(): void
  /** These properties of one entity changed (PATCH). */
  updated(set: RegistrySet | 'Observations', id: Id, properties: readonly string[]): void
}

/**
 * What changes in the registry, for live feeds (the SensorThings MQTT extension). Entities created by
 * any write — the API's deep inserts, device provisioning, a Thing's new Location and its
 * HistoricalLocation — are found by their ids: ids come from sequences, so every row above the highest
 * id already told is new. Writes are serial on `conn`, and so are these scans, so each new entity is
 * told once, in id order per set. Costs nothing while nobody watches.
 */
export function createRegistryFeed(conn: SerialConnection): RegistryFeed {
  const listeners = new Map<RegistryListener, (err: unknown) => void>()
  const log = (err: unknown) => {
    for (const onError of listeners.values()) onError(err)
  }
  let marks: Promise<Map<RegistrySet, number>> | null = null
  /** Scans and updates are told in the order they happened. */
  let tail: Promise<void> = Promise.resolve()
  let scanQueued = false

  const tell = (changes: readonly RegistryChange[]) => {
    if (changes.length === 0) return
    for (const [l, onError] of listeners) {
      try {
        l(changes)
      } catch (err) {
        onError(err)
      }
    }
  }

  const scan = async () => {
    if (listeners.size === 0) return // nobody left (e.g. the store is closing)
    const highest = await marks!
    const rows = await conn.exclusive((sql) =>
      sql.rows(
        NEWER,
        TABLES.map(([set]) => highest.get(set) ?? 0),
      ),
    )
    const changes: RegistryChange[] = []
    for (const r of rows) {
      const set = String(r.set) as RegistrySet
      const id = Number(r.id)
      highest.set(set, Math.max(highest.get(set) ?? 0, id))
      changes.push({ change: 'created', set, id })
    }
    tell(changes)
  }

  const then = (step: () => void | Promise<void>) => {
    tail = tail.then(step).catch(log)
  }

  return {
    watch(listener, onError = () => {}) {
      // rows there before the first watcher are not new; the query is queued before any later write
      marks ??= conn.exclusive(async (sql) => {
        const m = new Map<RegistrySet, number>()
        for (const r of await sql.rows(HIGHEST)) m.set(String(r.set) as RegistrySet, Number(r.id ?? 0))
        return m
      })
      listeners.set(listener, onError)
      return () => void listeners.delete(listener)
    },
    written: () => {
      if (listeners.size === 0 || scanQueued) return
      scanQueued = true
      then(() => {
        scanQueued = false // a write from now on needs the next scan
        return scan()
      })
    },
    updated: (set, id, properties) => {
      if (listeners.size > 0) then(() => tell([{ change: 'updated', set, id, properties }]))
    },
  }
}
