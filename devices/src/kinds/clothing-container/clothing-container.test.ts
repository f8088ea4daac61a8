import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeNative, decodeValue } from '../../decode.ts'
import { clothingContainer } from './index.ts'
import { fillFromDistance, DEFAULT_CALIBRATION } from './calibration.ts'
import { decodeUltrasonicFrame, encodeUltrasonicFrame } from './ultrasonic-frame.ts'

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const ctx = { deviceId: 'c-1', properties: {} }
const decode = (v: unknown) => decodeNative(clothingContainer, bytes(v), ctx)

describe('used-clothing container native JSON codec', () => {
  it('decodes a full reading into percent, °C, status and the device time', () => {
    const r = decode({
      time: '2026-11-23T09:00:00+01:00',
      fillingLevel: 0.4237,
      temperature: 11.5,
      batteryLevel: 0.93,
      tiltAngle: 3,
      status: 'ok',
    })
    const t = '2026-11-23T08:00:00.000Z'
    expect(r).toEqual({
      ok: true,
      value: [
        { key: 'fillingLevel', result: 42.4, phenomenonTime: t },
        { key: 'temperature', result: 11.5, phenomenonTime: t },
        { key: 'batteryLevel', result: 93, phenomenonTime: t },
        { key: 'tiltAngle', result: 3, phenomenonTime: t },
        { key: 'status', result: 'ok', phenomenonTime: t },
      ],
    })
  })

  it('turns an ultrasonic distance into fill with the default calibration (1800 mm + 150 mm offset)', () => {
    // (1800 − (1050 − 150)) / 1800 = 0.5
    expect(decode({ distanceMm: 1050 })).toEqual({
      ok: true,
      value: [
        { key: 'distance', result: 1050 },
        { key: 'fillingLevel', result: 50 },
      ],
    })
  })

  it("uses the container's own calibration from its Thing properties", () => {
    const own = { deviceId: 'c-2', properties: { calibration: { heightMm: 1000, sensorOffsetMm: 100 } } }
    const r = decodeValue(clothingContainer, { distanceMm: 850 }, own)
    expect(r.ok && r.value.find((x) => x.key === 'fillingLevel')?.result).toBe(25)
  })

  it('clamps and flags implausible distances instead of dropping them', () => {
    const deep = decode({ distanceMm: 4000 })
    expect(deep.ok && deep.value[1]).toEqual({
      key: 'fillingLevel',
      result: 0,
      resultQuality: 'implausible: distance 4000 mm exceeds container depth 1950 mm',
    })
    const noEcho = decode({ distanceMm: 0 })
    expect(noEcho.ok && noEcho.value[1]?.resultQuality).toMatch(/no echo/)
    const deadZone = decode({ distanceMm: 20 })
    expect(deadZone.ok && deadZone.value[1]).toMatchObject({
      result: 100,
      resultQuality: expect.stringMatching(/offset/),
    })
    expect(fillFromDistance(160, DEFAULT_CALIBRATION).quality).toBeUndefined()
  })

  it('reports events once, as a category', () => {
    expect(decode({ event: 'fireSuspicion', status: 'burning', temperature: 71 })).toEqual({
      ok: true,
      value: [
        { key: 'temperature', result: 71 },
        { key: 'status', result: 'burning' },
        { key: 'event', result: 'fireSuspicion' },
      ],
    })
  })

  it.each([
    ['not JSON', '{fill', /not valid JSON/],
    ['out of range', { fillingLevel: 1.4 }, /fillingLevel/],
    ['unknown field', { fillingLevel: 0.2, colour: 'red' }, /colour/],
    ['a MAC address', { fillingLevel: 0.2, note: 'aa:bb:cc:dd:ee:ff' }, /^privacy:/],
    ['empty object', {}, /at least one value/],
    ['only a time', { time: '2026-11-23T08:00:00Z' }, /at least one value/],
    ['fill and distance', { fillingLevel: 0.2, distanceMm: 900 }, /either fillingLevel or distanceMm/],
    ['unknown status', { status: 'sleepy' }, /status/],
    ['array', [1, 2], /schema/],
    ['bad time', { fillingLevel: 0.2, time: 'yesterday' }, /time/],
  ])('rejects %s with a reason', (_name, payload, reason) => {
    const r = decode(payload)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  it('rejects invalid UTF-8 and oversized payloads', () => {
    expect(decodeNative(clothingContainer, new Uint8Array([0xff, 0xfe, 0x7b]), ctx)).toEqual({
      ok: false,
      reason: 'payload is not valid UTF-8',
    })
    expect(decodeNative(clothingContainer, new Uint8Array(20_000).fill(32), ctx).ok).toBe(false)
  })

  it('declares a unique Datastream for every key it decodes', () => {
    const keys = clothingContainer.datastreams.map((d) => d.key)
    expect(new Set(keys).size).toBe(keys.length)
    const r = decode({
      distanceMm: 900,
      temperature: 1,
      batteryLevel: 0.5,
      tiltAngle: 1,
      status: 'ok',
      event: 'emptied',
    })
    expect(r.ok && r.value.every((x) => keys.includes(x.key))).toBe(true)
    expect(r.ok && r.value).toHaveLength(7)
  })

  it('never throws on random bytes or random JSON (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        const r = decodeNative(clothingContainer, b, ctx)
        return r.ok ? Array.isArray(r.value) : typeof r.reason === 'string'
      }),
    )
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = decodeValue(clothingContainer, v, ctx)
        return r.ok ? r.value.length > 0 : r.reason.length > 0
      }),
    )
  })
})

describe('ultrasonic binary frame (fPort 2, 8 bytes)', () => {
  // battery 3050 mV, distance 812 mm, lid open, 21.5 °C, tilt 4°
  const fixture = Uint8Array.from([0x0b, 0xea, 0x03, 0x2c, 0x01, 0x00, 0xd7, 0x04])

  it('decodes the documented byte layout', () => {
    expect(decodeUltrasonicFrame(fixture, 2)).toEqual({
      ok: true,
      value: { distanceMm: 812, batteryLevel: 0.5, status: 'lidOpen', temperature: 21.5, tiltAngle: 4 },
    })
  })

  it('maps alarm flags to status and events; absent probes to absent fields', () => {
    const frame = encodeUltrasonicFrame({
      batteryMv: 3600,
      distanceMm: 300,
      lidOpen: false,
      tiltAlarm: false,
      temperatureAlarm: true,
      emptied: false,
      temperatureC: null,
      tiltDeg: null,
    })
    expect(decodeUltrasonicFrame(frame, 2)).toEqual({
      ok: true,
      value: { distanceMm: 300, batteryLevel: 1, status: 'burning', event: 'fireSuspicion' },
    })
  })

  it('goes through calibration like a native reading', () => {
    const r = clothingContainer.decodeBinary!(fixture, 2, ctx)
    // (1800 − (812 − 150)) / 1800 = 0.6322… → 63.2 %
    expect(r.ok && r.value.find((x) => x.key === 'fillingLevel')?.result).toBe(63.2)
  })

  it('refuses wrong ports, lengths and out-of-range values', () => {
    expect(decodeUltrasonicFrame(fixture, 1)).toEqual({
      ok: false,
      reason: 'ultrasonic frame expected on fPort 2, got 1',
    })
    expect(decodeUltrasonicFrame(fixture.slice(0, 7), 2).ok).toBe(false)
    const badTilt = Uint8Array.from(fixture)
    badTilt[7] = 200
    expect(decodeUltrasonicFrame(badTilt, 2).ok).toBe(false)
  })

  it('round-trips and never throws on random frames (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.integer({ min: 0, max: 255 }), (b, port) => {
        const r = decodeUltrasonicFrame(b, port)
        return r.ok || r.reason.length > 0
      }),
    )
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 180 }), (d, tilt) => {
        const f = {
          batteryMv: 3000,
          distanceMm: d,
          lidOpen: false,
          tiltAlarm: false,
          temperatureAlarm: false,
          emptied: false,
          temperatureC: 5,
          tiltDeg: tilt,
        }
        const r = decodeUltrasonicFrame(encodeUltrasonicFrame(f), 2)
        return r.ok && r.value.distanceMm === d && r.value.tiltAngle === tilt
      }),
    )
  })
})
