import { describe, expect, it } from 'vitest'
import { clothingContainer, deviceKind } from '@urbantwin/devices'
import { silentLogger, type ObservationEvent } from '@urbantwin/model'
import { openDuckDbStore } from '@urbantwin/store'
import { sampleProvision } from '@urbantwin/store/testing'
import { createIngest } from '../src/index.ts'

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

describe('ingest into the real embedded store', () => {
  it('stores valid uplinks in order, skips replays, rejects bad ones and reports what was stored', async () => {
    const store = await openDuckDbStore({ path: ':memory:' })
    try {
      const device = await store.provisionDevice({
        deviceId: 'c-1',
        kind: clothingContainer.id,
        thing: { name: 'Container c-1', description: 'test' },
        location: {
          name: 'site',
          description: 'site',
          encodingType: 'application/geo+json',
          location: { type: 'Point', coordinates: [11.57, 48.13] },
        },
        sensor: clothingContainer.sensor,
        datastreams: clothingContainer.datastreams,
      })
      const events: ObservationEvent[] = []
      const warnings: unknown[] = []
      const ingest = createIngest({
        store,
        kindOf: deviceKind,
        log: { ...silentLogger, warn: (o) => warnings.push(o) },
        onStored: (e) => events.push(...e),
        batchSize: 2,
      })
      const up = (payload: Uint8Array, i: number, topic = 'urbantwin/v1/devices/c-1/up') =>
        ingest.submit({
          topic,
          payload,
          receivedAt: new Date(Date.UTC(2026, 10, 23, 8, i)).toISOString(),
          clientId: 't',
        })
      for (let i = 0; i < 5; i++) up(enc({ fillingLevel: i / 10 }), i)
      up(enc({ fillingLevel: 0.4 }), 4) // replay of the last one
      up(new Uint8Array([0xff, 0xfe]), 6)
      up(enc({ fillingLevel: 0.5 }), 7, 'urbantwin/v1/devices/ghost/up')
      await ingest.drain()

      expect(ingest.stats()).toMatchObject({ received: 8, stored: 5, duplicates: 1, rejected: 2, failed: 0 })
      const page = await store.observations(device.datastreams.fillingLevel!, { top: 10, skip: 0 })
      expect(page.items.map((o) => o.result)).toEqual([40, 30, 20, 10, 0])
      expect(events.filter((e) => e.key === 'fillingLevel')).toHaveLength(6)
      // re-provisioned with a calibration: after forget() the next distance reading uses it
      await store.provisionDevice({
        ...sampleProvision('c-1'),
        kind: clothingContainer.id,
        sensor: clothingContainer.sensor,
        datastreams: clothingContainer.datastreams,
        thing: { name: 'Container c-1', description: 'test', properties: { calibration: { heightMm: 1000, sensorOffsetMm: 100 } } },
      })
      ingest.forget('c-1')
      up(enc({ distanceMm: 600 }), 8)
      await ingest.drain()
      const latest = await store.observations(device.datastreams.fillingLevel!, { top: 1, skip: 0 })
      expect(latest.items[0]?.result).toBe(50) // (1000 − (600 − 100)) / 1000

      expect(warnings).toEqual([
        expect.objectContaining({ reason: 'payload is not valid UTF-8' }),
        expect.objectContaining({ reason: 'device ghost is not registered' }),
      ])
    } finally {
      await store.close()
    }
  })
})
