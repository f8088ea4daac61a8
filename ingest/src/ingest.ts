import { parseDeviceTopic, type Inbound, type Logger, type ObservationEvent } from '@urbantwin/model'
import type { DeviceKind } from '@urbantwin/devices'
import type { DeviceRecord, Store } from '@urbantwin/store'
import { decodeUplink, type Decoded } from './decode.ts'

export type IngestDeps = {
  store: Pick<Store, 'device' | 'appendObservations'>
  kindOf: (id: string) => DeviceKind | undefined
  log: Logger
  /** Called with what was stored, after the store confirmed the write. */
  onStored?: (events: ObservationEvent[]) => void
  /** Messages handled per store write. */
  batchSize?: number
}

export type IngestStats = {
  received: number
  stored: number
  duplicates: number
  rejected: number
  failed: number
}

export type Ingest = {
  /** Queues an uplink; handled in arrival order. */
  submit(msg: Inbound): void
  /** Resolves when everything submitted so far has been handled. */
  drain(): Promise<void>
  stats(): IngestStats
  /** Drops what is cached about a device (after it was re-provisioned, e.g. a new calibration). */
  forget(deviceId: string): void
}

/** The uplink pipeline: decode → validate → store, in order, batched per store write. */
export function createIngest(deps: IngestDeps): Ingest {
  const { log, store } = deps
  const batchSize = deps.batchSize ?? 500
  const queue: Inbound[] = []
  const devices = new Map<string, DeviceRecord>()
  const stats: IngestStats = { received: 0, stored: 0, duplicates: 0, rejected: 0, failed: 0 }
  let running: Promise<void> | null = null

  async function deviceFor(topic: string): Promise<DeviceRecord | null> {
    const id = parseDeviceTopic(topic)?.deviceId
    if (!id) return null
    const cached = devices.get(id)
    if (cached) return cached
    const found = await store.device(id)
    if (found) devices.set(id, found)
    return found
  }

  async function handle(batch: Inbound[]): Promise<void> {
    const accepted: Decoded = { observations: [], events: [] }
    for (const msg of batch) {
      const outcome = decodeUplink(msg, await deviceFor(msg.topic), deps.kindOf)
      if (!outcome.ok) {
        stats.rejected++
        log.warn({ topic: msg.topic, clientId: msg.clientId, reason: outcome.reason }, 'uplink rejected')
        continue
      }
      accepted.observations.push(...outcome.value.observations)
      accepted.events.push(...outcome.value.events)
    }
    if (accepted.observations.length === 0) return
    try {
      const { inserted } = await store.appendObservations(accepted.observations)
      stats.stored += inserted
      stats.duplicates += accepted.observations.length - inserted
      deps.onStored?.(accepted.events)
    } catch (err) {
      stats.failed += accepted.observations.length
      log.error({ err, observations: accepted.observations.length }, 'storing observations failed')
    }
  }

  async function pump(): Promise<void> {
    while (queue.length > 0) await handle(queue.splice(0, batchSize))
  }

  return {
    submit(msg) {
      stats.received++
      queue.push(msg)
      running ??= pump().finally(() => {
        running = null
      })
    },
    async drain() {
      while (running) await running
    },
    stats: () => ({ ...stats }),
    forget: (deviceId) => {
      devices.delete(deviceId)
    },
  }
}
