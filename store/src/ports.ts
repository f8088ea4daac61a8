import type { AggregateQuery, Bucket } from './timeseries/port.ts'
import type {
  MultiDatastream,
  MultiDatastreamRecord,
  Datastream,
  DatastreamRecord,
  DatastreamSpec,
  MultiDatastreamSpec,
  Id,
  Location,
  LorawanNetwork,
  HistoricalLocationRecord,
  LocationRecord,
  NewObservation,
  ObservationColumns,
  ObservationRecord,
  ObservedProperty,
  ObservedPropertyRecord,
  Page,
  PageRequest,
  PointLocation,
  Sensor,
  SensorRecord,
  Thing,
  ThingRecord,
} from '@urbantwin/model'

/** What provisioning a device creates: its Thing, Location, Sensor and one Datastream per key. */
export type DeviceProvision = {
  deviceId: string
  kind: string
  thing: Thing
  location: PointLocation
  sensor: Sensor
  datastreams: readonly DatastreamSpec[]
  multiDatastreams?: readonly MultiDatastreamSpec[]
}

/**
 * What a device was registered with, kept apart from its Thing: a registered device whose Thing was
 * deleted gets it back (with the kind's Sensor and Datastreams) on its next valid message.
 */
export type DeviceRegistration = Pick<DeviceProvision, 'deviceId' | 'kind' | 'thing' | 'location'>

export type DeviceRecord = {
  deviceId: string
  kind: string
  thingId: Id
  /** Datastream (and kind-declared MultiDatastream) id per stream key. */
  datastreams: Record<string, Id>
  /** The Thing's properties (e.g. calibration), for the device's codec. */
  properties: Record<string, unknown>
}

/** An MQTT login. Only the hash of the secret is stored. */
export type MqttAccount = {
  username: string
  passwordHash: string
  /** device: one device's own topics; bridge: a LoRaWAN network server's; gateway: the simulator's. */
  role: 'device' | 'bridge' | 'gateway' | 'admin'
  deviceId: string | null
  /** A bridge's network server: it publishes only that server's uplink envelopes. */
  network?: LorawanNetwork | null
  /** When the secret was issued (set by the store on each put). */
  issuedAt?: string
}

/** The latest value of one stream key for every device of a kind, for live map layers. */
export type LatestOfKind = {
  thingId: Id
  deviceId: string
  name: string
  properties: Record<string, unknown>
  coordinates: [number, number]
  datastreamId: Id | null
  /** A kind's streams are Datastreams: never an array. */
  result: ObservationRecord['result'] | null
  phenomenonTime: string | null
}

export type LatestObservation = { observation: ObservationRecord; more: boolean }

export type CreatedObservation = { observation: ObservationRecord; created: boolean }

/** The change would break a uniqueness rule of the registry (e.g. two Sensors alike). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError'
}

/** The store cannot do this at all (e.g. delete one point of a time-series engine). */
export class UnsupportedOperationError extends Error {
  override readonly name = 'UnsupportedOperationError'
}

/** A link in a created entity: to one that exists, or to one created with it (deep insert, STA 10.2.1.1). */
export type Link<T> = { id: Id } | { create: T }

/** A Thing created through the API, with its Locations, Datastreams and MultiDatastreams created alongside. */
export type NewThing = {
  thing: Thing
  locations: readonly Location[]
  datastreams: readonly NewDatastream[]
  multiDatastreams?: readonly NewMultiDatastream[]
}
/** A Datastream created through the API; its Sensor and ObservedProperty exist or come with it. */
export type NewDatastream = {
  datastream: Datastream
  sensor: Link<Sensor>
  observedProperty: Link<ObservedProperty>
}
/** A MultiDatastream created through the API, with its Sensor and ObservedProperties (in result order). */
export type NewMultiDatastream = {
  multiDatastream: MultiDatastream
  sensor: Link<Sensor>
  observedProperties: readonly Link<ObservedProperty>[]
}
/**
 * What `create` makes (STA 10.2). A Location belongs to one Thing here, so one on its own needs that
 * Thing. An ObservedProperty given inline whose definition exists, or a Sensor whose name and metadata
 * do, is that one: they are unique in this registry.
 */
export type NewEntity =
  | { set: 'Things'; thing: NewThing }
  | { set: 'Locations'; location: Location; thingId: Id }
  | { set: 'Sensors'; sensor: Sensor }
  | { set: 'ObservedProperties'; observedProperty: ObservedProperty }
  | { set: 'Datastreams'; datastream: NewDatastream; thing: Link<NewThing> }
  | { set: 'MultiDatastreams'; multiDatastream: NewMultiDatastream; thing: Link<NewThing> }

/** A link of a created entity names none (a 400: the request is wrong, not the registry's state). */
export class LinkError extends Error {
  override readonly name = 'LinkError'
}

/** Registry entity sets that can be changed and deleted one by one. */
export const REGISTRY_SETS = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'MultiDatastreams',
  'Sensors',
  'ObservedProperties',
] as const
export type RegistrySet = (typeof REGISTRY_SETS)[number]

/**
 * New values for an entity's own properties (STA names: `name`, `unitOfMeasurement`, `location`, …),
 * already validated by the caller; what is not named stays.
 */
export type EntityPatch = Record<string, unknown>

/**
 * A change of the registry, for live feeds: an entity was created (by the API, a deep insert, device
 * provisioning, or as a Thing's HistoricalLocation), or some of its properties (STA names) changed.
 * Observations are told only when changed (PATCH): new ones come by their own, much busier, path.
 */
export type RegistryChange =
  | { change: 'created'; set: RegistrySet; id: Id }
  | { change: 'updated'; set: RegistrySet | 'Observations'; id: Id; properties: readonly string[] }

/** New values for an Observation's own properties (validated by the caller); what is not named stays. */
export type ObservationPatch = Partial<
  Pick<ObservationRecord, 'phenomenonTime' | 'resultTime' | 'result'>
> & {
  /** null removes it. */
  resultQuality?: string | null
}

/** Whose Datastreams (or MultiDatastreams): one of a Thing, a Sensor or an ObservedProperty. */
export type DatastreamOwner = { thingId: Id } | { sensorId: Id } | { observedPropertyId: Id }

/** SensorThings entities (the registry). */
export type Registry = {
  provisionDevice(p: DeviceProvision): Promise<DeviceRecord>
  device(deviceId: string): Promise<DeviceRecord | null>
  /**
   * Adds the Datastreams a registered device lacks (its kind gained one, or one was deleted);
   * null when the device has no Thing.
   */
  ensureDatastreams(
    deviceId: string,
    sensor: DeviceProvision['sensor'],
    datastreams: DeviceProvision['datastreams'],
    multiDatastreams?: DeviceProvision['multiDatastreams'],
  ): Promise<{ device: DeviceRecord; added: number } | null>
  /** The registered ones among `deviceIds`, in one round trip (ingest meets a whole fleet at once). */
  devices(deviceIds: readonly string[]): Promise<DeviceRecord[]>
  /** The last registration of each of `deviceIds` that has one, whether or not its Thing still exists. */
  registrations(deviceIds: readonly string[]): Promise<DeviceRegistration[]>
  things(page: PageRequest): Promise<Page<ThingRecord>>
  thing(id: Id): Promise<ThingRecord | null>
  /** All Locations, or a Thing's current ones (where it moved from: `historicalLocations`). */
  locations(page: PageRequest, thingId?: Id): Promise<Page<LocationRecord>>
  /** All HistoricalLocations, or those of one Thing or naming one Location; newest first. */
  historicalLocations(
    page: PageRequest,
    of?: { thingId: Id } | { locationId: Id },
  ): Promise<Page<HistoricalLocationRecord>>
  historicalLocation(id: Id): Promise<HistoricalLocationRecord | null>
  location(id: Id): Promise<LocationRecord | null>
  /** All Datastreams, or those of one Thing, Sensor or ObservedProperty. */
  datastreams(page: PageRequest, of?: DatastreamOwner): Promise<Page<DatastreamRecord>>
  datastream(id: Id): Promise<DatastreamRecord | null>
  /** Every Datastream of each of `thingIds` (a Thing has few), in id order: `$expand` over a page of Things. */
  datastreamsOfThings(thingIds: readonly Id[]): Promise<DatastreamRecord[]>
  /** All MultiDatastreams, or those of one Thing, Sensor or ObservedProperty (one of theirs). */
  multiDatastreams(page: PageRequest, of?: DatastreamOwner): Promise<Page<MultiDatastreamRecord>>
  multiDatastream(id: Id): Promise<MultiDatastreamRecord | null>
  /** As datastreamsOfThings. */
  multiDatastreamsOfThings(thingIds: readonly Id[]): Promise<MultiDatastreamRecord[]>
  /** The current Locations of each of `thingIds`, in id order. */
  locationsOfThings(thingIds: readonly Id[]): Promise<LocationRecord[]>
  sensors(page: PageRequest): Promise<Page<SensorRecord>>
  sensor(id: Id): Promise<SensorRecord | null>
  observedProperties(page: PageRequest): Promise<Page<ObservedPropertyRecord>>
  observedProperty(id: Id): Promise<ObservedPropertyRecord | null>
  /** Creates an entity and what comes inline with it, in one transaction; the new entity's id. */
  create(e: NewEntity): Promise<Id>
  /** Changes an entity's own properties; false when there is none with that id. */
  patch(set: RegistrySet, id: Id, values: EntityPatch): Promise<boolean>
  /**
   * Deletes an entity and what cannot exist without it (STA 10.4): a Thing takes its Datastreams,
   * MultiDatastreams, Locations and HistoricalLocations; a (Multi)Datastream its Observations; a Sensor
   * or ObservedProperty the (Multi)Datastreams that use it; a Location the HistoricalLocations that name it. `datastreamsGoing`
   * is told which Datastreams go before anything is deleted, and may refuse by throwing.
   * False when there is no such entity.
   */
  remove(
    set: RegistrySet,
    id: Id,
    opts?: { datastreamsGoing?: (ids: readonly Id[]) => Promise<void> },
  ): Promise<boolean>
  /**
   * Calls `listener` with each committed change from now on, in order, shortly after it committed;
   * the function returned stops it. `onError` hears what went wrong finding them (or in `listener`).
   * Only in the thread that opened the store.
   */
  watchRegistry(
    listener: (changes: readonly RegistryChange[]) => void,
    onError?: (err: unknown) => void,
  ): () => void
  /** Creates or replaces a login (a new secret: rotation). */
  putMqttAccount(a: MqttAccount): Promise<void>
  mqttAccount(username: string): Promise<MqttAccount | null>
  /** Every login, by username. */
  mqttAccounts(): Promise<MqttAccount[]>
  /** Revokes a login; false when there was none. */
  deleteMqttAccount(username: string): Promise<boolean>
}

/** Time series of observations. */
export type ObservationStore = {
  /** Stores observations; one already stored for the same Datastream and phenomenonTime is skipped. */
  appendObservations(obs: readonly NewObservation[]): Promise<{ inserted: number }>
  /**
   * Stores each Observation unless its Datastream already has one at that phenomenonTime, and returns
   * what is stored under each key, in input order: `created` is false where one existed (and is
   * returned instead). A time-series engine does not tell: its points count as created.
   */
  createObservations(obs: readonly NewObservation[]): Promise<CreatedObservation[]>
  /**
   * Deletes one Observation; false when there is none with that id. Observations a time-series
   * engine keeps cannot be deleted one by one: that is an UnsupportedOperationError.
   */
  deleteObservation(id: Id): Promise<boolean>
  /**
   * Changes an Observation (STA 10.3); null when there is none with that id. A phenomenonTime its
   * (Multi)Datastream already has an Observation at is a ConflictError; an Observation a time-series
   * engine keeps cannot be changed one by one (UnsupportedOperationError).
   */
  patchObservation(id: Id, values: ObservationPatch): Promise<ObservationRecord | null>
  /** Newest first (STA default order for this platform). */
  observations(datastreamId: Id, page: PageRequest): Promise<Page<ObservationRecord>>
  /**
   * Observations of every Datastream (`GET /Observations`), newest first unless ordered. A store whose
   * numbers live in a time-series engine answers only a filter that pins one Datastream.
   */
  allObservations(page: PageRequest): Promise<Page<ObservationRecord>>
  /**
   * `observations` (of `datastreamId`) or `allObservations` (null) column by column: for pages of a
   * time series, which the API then writes as JSON text without an object per Observation. Optional;
   * undefined when the store does not answer this page so (then the API asks for records).
   */
  observationColumns?(
    datastreamId: Id | null,
    page: PageRequest,
  ): Promise<{ columns: ObservationColumns; count: number } | undefined>
  observation(id: Id): Promise<ObservationRecord | null>
  /**
   * The newest Observation of each of `datastreamIds` that has one, from a latest-value index;
   * `more` when the Datastream has (or may have) older ones too.
   */
  latestObservations(datastreamIds: readonly Id[]): Promise<Map<Id, LatestObservation>>
  /**
   * When each of `datastreamIds` that has Observations began: the (start of the) phenomenonTime of
   * its oldest one, ISO 8601. Grouped queries, not one per Datastream.
   */
  firstObservationTimes(datastreamIds: readonly Id[]): Promise<Map<Id, string>>
  latestOfKind(kind: string, key: string): Promise<LatestOfKind[]>
  /**
   * The numeric Observations of a Datastream aggregated per epoch-aligned interval, by the store's
   * engine (SQL, MetricsQL, Flux); non-empty buckets only, oldest first.
   */
  aggregateObservations(datastreamId: Id, q: AggregateQuery): Promise<Bucket[]>
  /**
   * Moves Observations with a phenomenonTime before `beforeMs` out of the recent, arrival-ordered
   * table into an archive sorted by Datastream and time, where reading one Datastream skips most of
   * the data (DuckDB; a store without such tables has nothing to do). Runs in steps, each its own
   * transaction, so that reads and writes go on in between. Ids and contents do not change.
   */
  compactObservations(beforeMs: number): Promise<{ moved: number }>
  /** How many Observations wait in the recent table for compaction (0 for a store without one). */
  recentObservations(): Promise<number>
}

/** A message that could not become observations, as kept for operators. */
export type QuarantineEntry = {
  /** The WAL record it came from (replays of the same record are ignored). */
  walSeq: number | null
  receivedAt: string
  quarantinedAt: string
  topic: string
  clientId: string | null
  /** e.g. bad-json, schema, unknown-device, privacy, clock, envelope, other */
  category: string
  reason: string
  /** Size-capped; null when keeping it would keep what was refused (privacy). */
  payload: Uint8Array | null
  payloadBytes: number
}

export type QuarantinedMessage = Omit<QuarantineEntry, 'payload'> & { id: Id; payloadBase64: string | null }

export type QuarantineStore = {
  quarantine(entries: readonly QuarantineEntry[]): Promise<{ inserted: number }>
  quarantined(page: PageRequest, category?: string): Promise<Page<QuarantinedMessage>>
  quarantineCounts(): Promise<Record<string, number>>
}

export type Store = Registry &
  QuarantineStore &
  ObservationStore & {
    close(): Promise<void>
  }
