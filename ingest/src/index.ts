export {
  createIngest,
  QUARANTINE_PAYLOAD_CAP,
  type Ingest,
  type PreparedBatch,
  type IngestDeps,
  type IngestStats,
} from './ingest.ts'
export { createWalConsumer, type WalConsumer, type ConsumerOptions, type ConsumerStats } from './consumer.ts'
export { decodeUplink, MAX_CLOCK_AHEAD_MS, type Decoded } from './decode.ts'
export { categorise, type QuarantineCategory } from './categorise.ts'
export * from './statistics/index.ts'
