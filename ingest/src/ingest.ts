import { parseDeviceTopic, type Logger, type ObservationEvent } from '@urbantwin/model'
import type { DeviceKind } from '@urbantwin/devices'
import type { DeviceRecord, QuarantineEntry, Store, WalRecord } from '@urbantwin/store'
import { categorise } from './categorise.ts'
import { decodeUplink, type Decoded } from './decode.ts'

export type IngestDeps = {
  store: Pick<
    Store,
    | 'devices'
    | 'registrations'
    | 'provisionDevice'
    | 'ensureDatastreams'
    | 'appendObservations'
    | 'quarantine'
  >
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

/** A batch of WAL records turned into observations and quarantine entries, not stored yet. */
export type PreparedBatch = {
  records: number
  accepted: Decoded
  refused: QuarantineEntry[]
}

export type Ingest = {
  /**
   * Turns WAL records into observations and quarantine entries and stores both. Throws when the
   * store fails, so the caller retries the same records (writes are idempotent).
   */
  handle(records: readonly WalRecord[]): Promise<void>
  /** The first half of `handle`: decode and validate (reads the registry for unknown devices only). */
  prepare(records: readonly WalRecord[]): Promise<PreparedBatch>
  /** The second half of `handle`: store a prepared batch; throws when the store fails. */
  store(batch: PreparedBatch): Promise<void>
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

  /** Loads the devices of a batch that are not cached yet, in one registry round trip. */
  async function loadDevices(records: readonly WalRecord[]): Promise<void> {
    const missing = new Set<string>()
    for (const r of records) {
      const id = parseDeviceTopic(r.topic)?.deviceId
      if (id && !devices.has(id)) missing.add(id)
    }
    if (missing.size === 0) return
    const found = await store.devices([...missing])
    for (const d of found) missing.delete(d.deviceId)
    for (const d of [...found, ...(await recreateThings([...missing]))]) {
      let device = d
      const kind = deps.kindOf(device.kind)
      // a registered device whose Thing lacks Datastreams of its kind gets them on its first message
      const specs = kind ? [...kind.datastreams, ...(kind.multiDatastreams ?? [])] : []
      if (kind && specs.some((spec) => device.datastreams[spec.key] === undefined)) {
        const ensured = await store.ensureDatastreams(
          device.deviceId,
          kind.sensor,
          kind.datastreams,
          kind.multiDatastreams,
        )
        if (ensured) {
          device = ensured.device
          log.info({ deviceId: device.deviceId, added: ensured.added }, 'created missing Datastreams')
        }
      }
      devices.set(device.deviceId, device)
    }
  }

  /**
   * Registered devices whose Thing is gone (deleted through the API) get it back from their
   * registration, with a new Location and the kind's Datastreams; the rest stay unknown.
   */
  async function recreateThings(deviceIds: string[]): Promise<DeviceRecord[]> {
    if (deviceIds.length === 0) return []
    const out: DeviceRecord[] = []
    for (const r of await store.registrations(deviceIds)) {
      const kind = deps.kindOf(r.kind)
      if (!kind) continue
      const device = await store.provisionDevice({
        ...r,
        sensor: kind.sensor,
        datastreams: kind.datastreams,
        multiDatastreams: kind.multiDatastreams ?? [],
      })
      log.info(
        { deviceId: r.deviceId, thingId: device.thingId },
        'recreated the Thing of a registered device',
      )
      out.push(device)
    }
    return out
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

  const deviceOf = (deviceId: string) => devices.get(deviceId)

  async function prepare(records: readonly WalRecord[]): Promise<PreparedBatch> {
    const accepted: Decoded = { observations: [], events: [] }
    const refused: QuarantineEntry[] = []
    await loadDevices(records)
    for (const r of records) {
      const outcome = decodeUplink(r, deviceOf, deps.kindOf)
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
    return { records: records.length, accepted, refused }
  }

  async function storeBatch({ records, accepted, refused }: PreparedBatch): Promise<void> {
    const acceptedMessages = records - refused.length
    let inserted = 0
    try {
      if (accepted.observations.length)
        inserted = (await store.appendObservations(accepted.observations)).inserted
      if (refused.length) await store.quarantine(refused)
    } catch (err) {
      stats.storeFailures++
      throw err
    }
    stats.received += records
    stats.accepted += acceptedMessages
    stats.stored += inserted
    stats.duplicates += accepted.observations.length - inserted
    stats.quarantined += refused.length
    for (const q of refused) stats.byCategory[q.category] = (stats.byCategory[q.category] ?? 0) + 1
    if (accepted.events.length) deps.onStored?.(accepted.events)
  }

  return {
    handle: async (records) => storeBatch(await prepare(records)),
    prepare,
    store: storeBatch,
    stats: () => ({ ...stats, byCategory: { ...stats.byCategory } }),
    forget: (deviceId) => {
      devices.delete(deviceId)
    },
  }
}
