import { parseDeviceTopic, type Logger, type ObservationEvent } from '@urbantwin/model'
import type { DeviceKind } from '@urbantwin/devices'
import type { DeviceRecord, QuarantineEntry, Store, WalRecord } from '@urbantwin/store'
import { categorise } from './categorise.ts'
import { decodeUplink, type Decoded } from './decode.ts'

export type IngestDeps = {
  store: Pick<Store, 'device' | 'appendObservations' | 'quarantine'>
  kindOf: (id: string) => DeviceKind | undefined
  log: Logger
  /** Called with what was stored, after the store confirmed the write. */
  onStored?: (events: ObservationEvent[]) => void
  now?: () => Date
}

export type IngestStats = {
  received: number
  /** Messages that became observations (the rest are quarantined). */
  accepted: number
  stored: number
  duplicates: number
  quarantined: number
  byCategory: Record<string, number>
  storeFailures: number
}

export type Ingest = {
  /**
   * Turns WAL records into observations and quarantine entries and stores both. Throws when the
   * store fails, so the caller retries the same records (writes are idempotent).
   */
  handle(records: readonly WalRecord[]): Promise<void>
  stats(): IngestStats
  /** Drops what is cached about a device (after it was re-provisioned, e.g. a new calibration). */
  forget(deviceId: string): void
}

/** Payload bytes kept per quarantined message. */
export const QUARANTINE_PAYLOAD_CAP = 4096

/** The uplink pipeline for a batch of WAL records: decode → validate → store, refusals → quarantine. */
export function createIngest(deps: IngestDeps): Ingest {
  const { log, store } = deps
  const now = deps.now ?? (() => new Date())
  const devices = new Map<string, DeviceRecord>()
  const stats: IngestStats = {
    received: 0,
    accepted: 0,
    stored: 0,
    duplicates: 0,
    quarantined: 0,
    byCategory: {},
    storeFailures: 0,
  }

  async function deviceFor(topic: string): Promise<DeviceRecord | null> {
    const id = parseDeviceTopic(topic)?.deviceId
    if (!id) return null
    const cached = devices.get(id)
    if (cached) return cached
    const found = await store.device(id)
    if (found) devices.set(id, found)
    return found
  }

  function quarantineEntry(r: WalRecord, reason: string): QuarantineEntry {
    const category = categorise(reason)
    // never keep what was refused for privacy; cap everything else
    const payload = category === 'privacy' ? null : r.payload.subarray(0, QUARANTINE_PAYLOAD_CAP)
    return {
      walSeq: r.seq,
      receivedAt: r.receivedAt,
      quarantinedAt: now().toISOString(),
      topic: r.topic.slice(0, 1024),
      clientId: r.clientId,
      category,
      reason: reason.slice(0, 2000),
      payload,
      payloadBytes: r.payload.byteLength,
    }
  }

  return {
    async handle(records) {
      const accepted: Decoded = { observations: [], events: [] }
      const refused: QuarantineEntry[] = []
      for (const r of records) {
        const outcome = decodeUplink(r, await deviceFor(r.topic), deps.kindOf)
        if (outcome.ok) {
          accepted.observations.push(...outcome.value.observations)
          accepted.events.push(...outcome.value.events)
        } else {
          refused.push(quarantineEntry(r, outcome.reason))
          log.warn(
            { topic: r.topic, clientId: r.clientId, walSeq: r.seq, reason: outcome.reason },
            'uplink rejected',
          )
        }
      }
      const acceptedMessages = records.length - refused.length
      let inserted = 0
      try {
        if (accepted.observations.length)
          inserted = (await store.appendObservations(accepted.observations)).inserted
        if (refused.length) await store.quarantine(refused)
      } catch (err) {
        stats.storeFailures++
        throw err
      }
      stats.received += records.length
      stats.accepted += acceptedMessages
      stats.stored += inserted
      stats.duplicates += accepted.observations.length - inserted
      stats.quarantined += refused.length
      for (const q of refused) stats.byCategory[q.category] = (stats.byCategory[q.category] ?? 0) + 1
      if (accepted.events.length) deps.onStored?.(accepted.events)
    },
    stats: () => ({ ...stats, byCategory: { ...stats.byCategory } }),
    forget: (deviceId) => {
      devices.delete(deviceId)
    },
  }
}
