import type { Expr, OrderBy } from './query.ts'
import type {
  Datastream,
  Id,
  Location,
  MultiDatastream,
  MultiObservationResult,
  Observation,
  ObservationType,
  ObservedProperty,
  Sensor,
  Thing,
  UnitOfMeasurement,
} from './entities.ts'

/** Entities as the store returns them: the STA properties plus ids and navigation keys. */
export type ThingRecord = Thing & { id: Id; deviceId: string | null; kind: string | null }
export type LocationRecord = Location & { id: Id; thingId: Id }
/** STA HistoricalLocation: the Thing was at `locationId` from `time` (ISO 8601) on. */
export type HistoricalLocationRecord = { id: Id; thingId: Id; locationId: Id; time: string }
export type SensorRecord = Sensor & { id: Id }
export type ObservedPropertyRecord = ObservedProperty & { id: Id }
export type DatastreamRecord = Datastream & {
  id: Id
  thingId: Id
  sensorId: Id
  observedPropertyId: Id
  /** The device kind's name for this stream, e.g. `fillingLevel`. */
  key: string
}
/**
 * A MultiDatastream: its ids come from the same sequence as Datastreams', so that an Observation's
 * `datastreamId` names either one (never both); its results are arrays.
 */
export type MultiDatastreamRecord = MultiDatastream & {
  id: Id
  thingId: Id
  sensorId: Id
  /** In the order of the results' elements. */
  observedPropertyIds: Id[]
}
/**
 * An Observation of a Datastream, or of a MultiDatastream (`datastreamId` is then the
 * MultiDatastream's id, and `result` an array).
 */
export type ObservationRecord = Omit<Observation, 'result'> & {
  id: Id
  datastreamId: Id
  result: Observation['result'] | MultiObservationResult
}

/**
 * A page of Observations column by column, as a store reads them, with no object per Observation:
 * the API writes their JSON text from it (a day of one Datastream is 1,440 Observations). Row `i` is
 * `id[i]`, its times in epoch milliseconds, its result as JSON text (null: none) and its resultQuality.
 */
export type ObservationColumns = {
  length: number
  id: Float64Array
  phenomenonMs: Float64Array
  resultMs: Float64Array
  result: (string | null)[]
  resultQuality: (string | null)[]
}

/** One observation to store; the store derives nothing but the id. */
export type NewObservation = Omit<ObservationRecord, 'id' | 'parameters'>

/**
 * A page of a collection. `count` is the number of matching entities, or, when the request said
 * `count: false`, a lower bound that still tells whether more follow: `skip + items.length`, plus one
 * when they do.
 */
export type Page<T> = { items: T[]; count: number }
/**
 * Which entities of a collection, in which order (`$filter` and `$orderby` as query trees).
 * `count: false` spares the store an exact count (`$count` was not asked; a large time series).
 */
export type PageRequest = { top: number; skip: number; filter?: Expr; orderBy?: OrderBy[]; count?: boolean }

/** One Datastream a device kind declares: what it measures, in which unit, as which O&M type. */
export type DatastreamSpec = {
  /** The kind's name for the stream, e.g. `fillingLevel`. */
  key: string
  name: string
  description: string
  unitOfMeasurement: UnitOfMeasurement
  observationType: ObservationType
  observedProperty: ObservedProperty
}

/**
 * One MultiDatastream a device kind declares: results that belong together (e.g. a survey hour's
 * answers by gender), one element per ObservedProperty, stored and served as one array.
 */
export type MultiDatastreamSpec = {
  /** The kind's name for the stream, e.g. `answers`; a reading with this key carries the array. */
  key: string
  name: string
  description: string
  unitOfMeasurements: readonly UnitOfMeasurement[]
  multiObservationDataTypes: readonly ObservationType[]
  observedProperties: readonly ObservedProperty[]
  /** e.g. `disaggregation` (see disaggregation.ts), which the API's suppression reads. */
  properties?: Record<string, unknown>
}
