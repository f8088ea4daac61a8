import type { Expr, OrderBy } from './query.ts'
import type {
  Datastream,
  Id,
  Location,
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
export type ObservationRecord = Observation & { id: Id; datastreamId: Id }

/** One observation to store; the store derives nothing but the id. */
export type NewObservation = Omit<Observation, 'parameters'> & { datastreamId: Id }

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
