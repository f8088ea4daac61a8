import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { DeviceContext, DeviceKind, Reading } from '../kind.ts'
import {
  clothingContainer,
  DEFAULT_CALIBRATION,
  fillFromDistance,
} from '../kinds/clothing-container/index.ts'
import { parseChirpstackUplink } from './chirpstack-uplink.ts'
import { lorawanReadings } from './readings.ts'
import { parseTtsUplink } from './tts-uplink.ts'
import type { LorawanUplink } from './uplink.ts'

function uplinkOf(name: string): LorawanUplink {
  const payload = new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
  const r = name.startsWith('tts') ? parseTtsUplink(payload) : parseChirpstackUplink(payload)
  if (!r.ok) throw new Error(r.reason)
  return r.value
}

const ctx: DeviceContext = { deviceId: 'clothing-container-017', properties: {} }

/** The frame of every fixture: 812 mm with the default calibration, 3400 mV, 11.5 °C, 2°. */
function expectedReadings(phenomenonTime: string, fillingLevel = 63.2): Reading[] {
  return [
    { key: 'distance', result: 812, phenomenonTime },
    { key: 'fillingLevel', result: fillingLevel, phenomenonTime },
    { key: 'temperature', result: 11.5, phenomenonTime },
    { key: 'batteryLevel', result: 81.8, phenomenonTime },
    { key: 'tiltAngle', result: 2, phenomenonTime },
    { key: 'status', result: 'ok', phenomenonTime },
  ]
}

describe('LoRaWAN uplink → readings of the clothing container', () => {
  it('fills 63.2 % at 812 mm with the default calibration (1800 mm, offset 150 mm)', () => {
    expect(Math.round(fillFromDistance(812, DEFAULT_CALIBRATION).ratio * 1000) / 10).toBe(63.2)
  })

  it.each([
    ['tts-up-decoded.json', 'decoded', '2026-11-23T08:00:00.918Z'],
    ['tts-up-frm-payload.json', 'binary', '2026-11-23T07:59:15.398Z'],
    ['chirpstack-up-object.json', 'decoded', '2026-11-23T08:00:00.918Z'],
    ['chirpstack-up-data.json', 'binary', '2026-11-23T08:15:00.398Z'],
  ])('%s (%s path) gives the frame readings at the network server time', (name, _path, time) => {
    expect(lorawanReadings(uplinkOf(name), clothingContainer, ctx)).toEqual({
      ok: true,
      value: expectedReadings(time),
    })
  })

  it('applies the container calibration from the Thing properties on the binary path', () => {
    const calibrated = { ...ctx, properties: { calibration: { heightMm: 1000, sensorOffsetMm: 100 } } }
    const r = lorawanReadings(uplinkOf('tts-up-frm-payload.json'), clothingContainer, calibrated)
    expect(r).toEqual({ ok: true, value: expectedReadings('2026-11-23T07:59:15.398Z', 28.8) })
  })

  it('keeps the time the device sent', () => {
    const uplink = {
      ...uplinkOf('tts-up-decoded.json'),
      decoded: { time: '2026-11-23T07:58:00Z', distanceMm: 812 },
    }
    const r = lorawanReadings(uplink, clothingContainer, ctx)
    expect(r.ok && r.value.map((x) => x.phenomenonTime)).toEqual([
      '2026-11-23T07:58:00.000Z',
      '2026-11-23T07:58:00.000Z',
    ])
  })

  it('leaves phenomenonTime unset when the network server sent no time', () => {
    const r = lorawanReadings(
      { ...uplinkOf('chirpstack-up-data.json'), receivedAt: null },
      clothingContainer,
      ctx,
    )
    expect(r.ok && r.value.every((x) => x.phenomenonTime === undefined)).toBe(true)
  })

  it('refuses a decoded payload carrying a MAC address, for privacy', () => {
    const uplink = {
      ...uplinkOf('tts-up-decoded.json'),
      decoded: { distanceMm: 812, nearby: ['b8:27:eb:6c:3e:2a'] },
    }
    expect(lorawanReadings(uplink, clothingContainer, ctx)).toEqual({
      ok: false,
      reason: 'privacy: nearby[0] holds a hardware (MAC) address; only counts may be sent',
    })
  })

  it('refuses a decoded payload the kind does not accept, without falling back to the bytes', () => {
    const uplink = { ...uplinkOf('chirpstack-up-object.json'), decoded: { distance: 812 } }
    const r = lorawanReadings(uplink, clothingContainer, ctx)
    expect(!r.ok && r.reason).toMatch(/^payload does not match the schema/)
  })

  it('refuses the binary frame on the wrong fPort', () => {
    const uplink = { ...uplinkOf('tts-up-frm-payload.json'), fPort: 3 }
    expect(lorawanReadings(uplink, clothingContainer, ctx)).toEqual({
      ok: false,
      reason: 'ultrasonic frame expected on fPort 2, got 3',
    })
  })

  it('refuses bytes when the kind has no binary decoder, naming the device', () => {
    const { decodeBinary: _binary, ...jsonOnly } = clothingContainer
    const kind: DeviceKind = jsonOnly
    expect(lorawanReadings(uplinkOf('chirpstack-up-data.json'), kind, ctx)).toEqual({
      ok: false,
      reason:
        'device a84041000181c6f1: the network server sent no decoded payload and kind clothing-container has no binary decoder',
    })
  })
})
