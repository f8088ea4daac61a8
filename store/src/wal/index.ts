export { openWal, syncDir, WalFullError, type Wal, type WalOptions, type WalStats } from './wal.ts'
export type { WalRecord } from './record.ts'
