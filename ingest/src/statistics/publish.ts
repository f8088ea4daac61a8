import {
  COMPLEX_OBSERVATION,
  Disaggregation,
  type Expr,
  type Id,
  type MultiObservationResult,
  type NewObservation,
  type ThingRecord,
} from '@urbantwin/model'
import type { NewMultiDatastream, Store } from '@urbantwin/store'
import type { StatisticalDataset, StatisticalStream } from './dataset.ts'

/**
 * Writes a statistical dataset into the registry and its Observations, idempotently: an area's Thing
 * and a stream's MultiDatastream are found again by their keys (`properties.statisticalArea.key`,
 * `properties.key`) and made only when missing; an Observation already stored for its year is kept,
 * or changed when the source revised the value. Running it twice changes nothing the second time.
 */

export type PublishProgress = { phase: 'areas' | 'streams' | 'observations'; done: number; total: number }

export type PublishResult = {
  areas: { created: number; existing: number }
  streams: { created: number; existing: number }
  observations: { created: number; revised: number; unchanged: number }
}

const CHUNK = 2_000
const PAGE = 1_000

const hasKey = (path: string[]): Expr => ({
  kind: 'binary',
  op: 'ne',
  left: { kind: 'property', path },
  right: { kind: 'literal', type: 'null', value: null },
})

/** The Things of statistical areas, by their key (`properties.statisticalArea.key`). */
export async function keyedThings(store: Store): Promise<Map<string, ThingRecord>> {
  const out = new Map<string, ThingRecord>()
  for (let skip = 0; ; skip += PAGE) {
    const page = await store.things({
      top: PAGE,
      skip,
      filter: hasKey(['properties', 'statisticalArea', 'key']),
    })
    for (const t of page.items) {
      const key = (t.properties?.statisticalArea as { key?: unknown } | undefined)?.key
      if (typeof key === 'string') out.set(key, t)
    }
    if (page.items.length < PAGE) return out
  }
}

function newMultiDatastream(s: StatisticalStream): NewMultiDatastream {
  return {
    multiDatastream: {
      name: s.name,
      description: s.description,
      unitOfMeasurements: s.units,
      observationType: COMPLEX_OBSERVATION,
      multiObservationDataTypes: s.types,
      properties: { key: s.key, ...s.properties, disaggregation: Disaggregation.parse(s.disaggregation) },
    },
    sensor: { create: s.sensor },
    observedProperties: s.observedProperties.map((p) => ({ create: p })),
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

export async function publishDataset(
  store: Store,
  dataset: StatisticalDataset,
  onProgress: (p: PublishProgress) => void = () => {},
): Promise<PublishResult> {
  const result: PublishResult = {
    areas: { created: 0, existing: 0 },
    streams: { created: 0, existing: 0 },
    observations: { created: 0, revised: 0, unchanged: 0 },
  }
  const streamsOf = new Map<string, StatisticalStream[]>()
  for (const s of dataset.streams) streamsOf.set(s.areaKey, [...(streamsOf.get(s.areaKey) ?? []), s])

  // areas: a missing one comes with all its streams in one deep insert
  const things = await keyedThings(store)
  const thingIds = new Map<string, Id>()
  let done = 0
  for (const area of dataset.areas) {
    const existing = things.get(area.key)
    if (existing) {
      thingIds.set(area.key, existing.id)
      result.areas.existing++
    } else {
      const streams = streamsOf.get(area.key) ?? []
      const id = await store.create({
        set: 'Things',
        thing: {
          thing: { name: area.name, description: area.description, properties: area.properties },
          locations: [
            {
              name: area.location.name,
              description: area.location.description,
              encodingType: 'application/geo+json',
              location: area.location.geometry,
              ...(area.location.properties ? { properties: area.location.properties } : {}),
            },
          ],
          datastreams: [],
          multiDatastreams: streams.map(newMultiDatastream),
        },
      })
      thingIds.set(area.key, id)
      result.areas.created++
      result.streams.created += streams.length
    }
    onProgress({ phase: 'areas', done: ++done, total: dataset.areas.length })
  }

  // streams of areas that existed: find each by its key, make the missing ones
  const streamIds = new Map<string, Id>()
  const known = await store.multiDatastreamsOfThings([...thingIds.values()])
  for (const m of known) {
    const key = m.properties?.key
    if (typeof key === 'string') streamIds.set(key, m.id)
  }
  done = 0
  for (const s of dataset.streams) {
    const thingId = thingIds.get(s.areaKey)
    if (thingId === undefined) throw new Error(`stream ${s.key} names no area of the dataset (${s.areaKey})`)
    if (!streamIds.has(s.key)) {
      streamIds.set(
        s.key,
        await store.create({
          set: 'MultiDatastreams',
          multiDatastream: newMultiDatastream(s),
          thing: { id: thingId },
        }),
      )
      result.streams.created++
    } else if (things.has(s.areaKey)) {
      result.streams.existing++ // (those of an area made above were counted there)
    }
    onProgress({ phase: 'streams', done: ++done, total: dataset.streams.length })
  }

  // Observations, in chunks: stored once per year; a revised value replaces the stored one
  const all: NewObservation[] = dataset.streams.flatMap((s) =>
    s.values.map((v) => ({
      datastreamId: streamIds.get(s.key)!,
      phenomenonTime: dataset.referenceDay(v.year),
      resultTime: dataset.publishedAt,
      result: v.result as MultiObservationResult,
    })),
  )
  await storeObservations(store, all, result.observations, (done) =>
    onProgress({ phase: 'observations', done, total: all.length }),
  )
  return result
}

export type ObservationCounts = PublishResult['observations']

/**
 * Stores Observations once per stream and phenomenonTime, in chunks: one stored before is kept, or
 * changed when its result was revised. Counts what happened into `counts`.
 */
export async function storeObservations(
  store: Store,
  all: readonly NewObservation[],
  counts: ObservationCounts,
  onChunk: (done: number) => void = () => {},
): Promise<void> {
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK)
    const stored = await store.createObservations(chunk)
    for (const [j, s] of stored.entries()) {
      if (s.created) counts.created++
      else if (same(s.observation.result, chunk[j]!.result)) counts.unchanged++
      else {
        await store.patchObservation(s.observation.id, { result: chunk[j]!.result })
        counts.revised++
      }
    }
    onChunk(Math.min(i + CHUNK, all.length))
  }
}
