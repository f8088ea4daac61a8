import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { clothingContainer } from './index.ts'

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))

describe('used-clothing container native JSON codec', () => {
  it('decodes a full reading into percent, °C and the device time', () => {
    const r = clothingContainer.decode(
      bytes({
        time: '2026-11-23T09:00:00+01:00',
        fillingLevel: 0.4237,
        temperature: 11.5,
        batteryLevel: 0.93,
      }),
    )
    expect(r).toEqual({
      ok: true,
      value: [
        { key: 'fillingLevel', result: 42.4, phenomenonTime: '2026-11-23T08:00:00.000Z' },
        { key: 'temperature', result: 11.5, phenomenonTime: '2026-11-23T08:00:00.000Z' },
        { key: 'batteryLevel', result: 93, phenomenonTime: '2026-11-23T08:00:00.000Z' },
      ],
    })
  })

  it('accepts a partial reading without time', () => {
    expect(clothingContainer.decode(bytes({ fillingLevel: 1 }))).toEqual({
      ok: true,
      value: [{ key: 'fillingLevel', result: 100 }],
    })
  })

  it.each([
    ['not JSON', '{fill', /not valid JSON/],
    ['out of range', { fillingLevel: 1.4 }, /fillingLevel/],
    ['unknown field', { fillingLevel: 0.2, mac: 'aa:bb:cc:dd:ee:ff' }, /mac/],
    ['empty object', {}, /at least one/],
    ['array', [1, 2], /schema/],
    ['bad time', { fillingLevel: 0.2, time: 'yesterday' }, /time/],
  ])('rejects %s with a reason', (_name, payload, reason) => {
    const r = clothingContainer.decode(bytes(payload))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  it('rejects invalid UTF-8 and oversized payloads', () => {
    expect(clothingContainer.decode(new Uint8Array([0xff, 0xfe, 0x7b]))).toEqual({
      ok: false,
      reason: 'payload is not valid UTF-8',
    })
    expect(clothingContainer.decode(new Uint8Array(20_000).fill(32)).ok).toBe(false)
  })

  it('declares a Datastream for every key it decodes', () => {
    const keys = new Set(clothingContainer.datastreams.map((d) => d.key))
    const r = clothingContainer.decode(bytes({ fillingLevel: 0.1, temperature: 1, batteryLevel: 0.5 }))
    expect(r.ok && r.value.every((x) => keys.has(x.key))).toBe(true)
  })

  it('never throws on random bytes or random JSON (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        const r = clothingContainer.decode(b)
        return r.ok ? Array.isArray(r.value) : typeof r.reason === 'string'
      }),
    )
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = clothingContainer.decode(bytes(JSON.stringify(v)))
        return r.ok ? r.value.length > 0 : r.reason.length > 0
      }),
    )
  })
})
