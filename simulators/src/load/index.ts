export {
  runLoad,
  publishLoad,
  runLoadWithHistogram,
  type LoadReport,
  type LoadResult,
  type StopReason,
} from './run-load.ts'
export { openLoadFleet, type LoadFleet } from './load-fleet.ts'
export {
  LoadSettings,
  loopbackAddresses,
  resolveSettings,
  type Credentials,
  type LoadHooks,
  type LoadOptions,
  type LoadProgress,
} from './options.ts'
export {
  LoadPayload,
  defaultDeviceId,
  defaultLoadPayload,
  defaultLoadTopic,
  parseLoadPayload,
} from './payload.ts'
export { countLossAndDuplicates, type LossCount, type Received } from './loss.ts'
export { subscribeAndCount, type SequenceSubscriber, type SubscribeOptions } from './subscriber.ts'
export { runLoadProcesses, type LoadProcessesOptions, type LoadProcessesReport } from './processes.ts'
export { splitSettings } from './split.ts'
export { MOSQUITTO_MISSING, mosquittoAvailable, startMosquitto, type Mosquitto } from './mosquitto.ts'
