import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { deviceKind } from '@urbantwin/devices'
import type { DeviceRecord } from '@urbantwin/store'
import { decodeUplink } from './decode.ts'

const device: DeviceRecord = {
  deviceId: 'c-1',
  kind: 'clothing-container',
  thingId: 7,
  datastreams: { fillingLevel: 21, temperature: 22, batteryLevel: 23 },
  properties: {},
}
const msg = (payload: unknown, topic = 'urbantwin/v1/devices/c-1/up') => ({
  topic,
  payload: new TextEncoder().encode(JSON.stringify(payload)),
  receivedAt: '2026-11-23T08:00:00.000Z',
  clientId: 'x',
})

describe('decodeUplink', () => {
  it('maps a container reading to observations of its Datastreams, receipt time as default', () => {
    const r = decodeUplink(msg({ fillingLevel: 0.8, temperature: 4 }), () => device, deviceKind)
    expect(r).toEqual({
      ok: true,
      value: {
        observations: [
          {
            datastreamId: 21,
            phenomenonTime: '2026-11-23T08:00:00.000Z',
            resultTime: '2026-11-23T08:00:00.000Z',
            result: 80,
          },
          {
            datastreamId: 22,
            phenomenonTime: '2026-11-23T08:00:00.000Z',
            resultTime: '2026-11-23T08:00:00.000Z',
            result: 4,
          },
        ],
        events: [
          expect.objectContaining({
            deviceId: 'c-1',
            key: 'fillingLevel',
            result: 80,
            thingId: 7,
            datastreamId: 21,
          }),
          expect.objectContaining({ key: 'temperature', result: 4 }),
        ],
      },
    })
  })

  it('refuses unregistered devices, unknown kinds, bad payloads and clocks far ahead, with reasons', () => {
    expect(decodeUplink(msg({ fillingLevel: 0.1 }), () => undefined, deviceKind)).toEqual({
      ok: false,
      reason: 'device c-1 is not registered',
    })
    expect(decodeUplink(msg({}), () => ({ ...device, kind: 'toaster' }), deviceKind)).toEqual({
      ok: false,
      reason: 'device c-1 has unknown kind toaster',
    })
    expect(decodeUplink(msg({ fillingLevel: 7 }), () => device, deviceKind).ok).toBe(false)
    const ahead = decodeUplink(
      msg({ fillingLevel: 0.1, time: '2026-11-23T09:00:00Z' }),
      () => device,
      deviceKind,
    )
    expect(ahead.ok === false && ahead.reason).toMatch(/more than 10 minutes/)
    expect(decodeUplink(msg({ fillingLevel: 0.1 }, 'other/topic'), () => device, deviceKind).ok).toBe(false)
  })

  it('never throws on random payloads (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        const r = decodeUplink({ ...msg(null), payload }, () => device, deviceKind)
        return r.ok || r.reason.length > 0
      }),
    )
  })
})
