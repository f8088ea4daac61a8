export type {
  QuarantineEntry,
  QuarantinedMessage,
  QuarantineStore,
  Store,
  Registry,
  ObservationStore,
  DeviceProvision,
  DeviceRecord,
  DeviceRegistration,
  DatastreamOwner,
  MqttAccount,
  LatestOfKind,
  LatestObservation,
  CreatedObservation,
  Link,
  NewThing,
  NewDatastream,
  NewEntity,
  NewMultiDatastream,
  RegistryChange,
  ObservationPatch,
} from './ports.ts'
export {
  ConflictError,
  LinkError,
  UnsupportedOperationError,
  REGISTRY_SETS,
  type RegistrySet,
  type EntityPatch,
} from './ports.ts'
export { openDuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.ts'
export * from './wal/index.ts'
export * from './timeseries/index.ts'
export * from './query/evaluate.ts'
export * from './query/time-bounds.ts'
export { isLatestOnly, latestPage } from './query/latest-index.ts'
export { isoOfMs } from './query/iso-time.ts'
