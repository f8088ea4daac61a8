export { createIngest, type Ingest, type IngestDeps, type IngestStats } from './ingest.ts'
export { decodeUplink, MAX_CLOCK_AHEAD_MS, type Decoded } from './decode.ts'
