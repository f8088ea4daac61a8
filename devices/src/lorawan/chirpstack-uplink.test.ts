import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseChirpstackUplink } from './chirpstack-uplink.ts'

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>
const fixtureBytes = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
const parse = (v: unknown) => parseChirpstackUplink(bytes(v))
const reasonOf = (v: unknown) => {
  const r = parse(v)
  return r.ok ? '(parsed)' : r.reason
}

/** 0D48 032C 00 0073 02: 3400 mV, 812 mm, no flags, 11.5 °C, 2° (fixtures/README.md). */
const FRAME = new Uint8Array([0x0d, 0x48, 0x03, 0x2c, 0x00, 0x00, 0x73, 0x02])

describe('ChirpStack v4 up event (JSON marshaler)', () => {
  it('parses an event with a codec object; the device id is the DevEUI', () => {
    expect(parseChirpstackUplink(fixtureBytes('chirpstack-up-object.json'))).toStrictEqual({
      ok: true,
      value: {
        network: 'chirpstack',
        deviceId: 'a84041000181c6f1',
        devEui: 'a84041000181c6f1',
        receivedAt: '2026-11-23T08:00:00.918Z',
        fPort: 2,
        fCnt: 318,
        frmPayload: FRAME,
        decoded: { distanceMm: 812, batteryLevel: 0.818, temperature: 11.5, tiltAngle: 2, status: 'ok' },
      },
    })
  })

  it('parses an event with data only', () => {
    expect(parseChirpstackUplink(fixtureBytes('chirpstack-up-data.json'))).toStrictEqual({
      ok: true,
      value: {
        network: 'chirpstack',
        deviceId: 'a84041000181c6f1',
        devEui: 'a84041000181c6f1',
        receivedAt: '2026-11-23T08:15:00.398Z',
        fPort: 2,
        fCnt: 319,
        frmPayload: FRAME,
        decoded: undefined,
      },
    })
  })

  it('refuses an uplink with MAC commands only', () => {
    expect(parseChirpstackUplink(fixtureBytes('chirpstack-up-mac-only.json'))).toEqual({
      ok: false,
      reason:
        'ChirpStack uplink from a84041000181c6f1 has fPort 0: MAC commands only, no application payload',
    })
  })

  it('refuses an fPort without data or object', () => {
    const { data: _data, ...e } = fixture('chirpstack-up-data.json')
    expect(reasonOf(e)).toBe(
      'ChirpStack uplink from a84041000181c6f1 carries no application payload and no decoded object',
    )
  })

  it('normalises the DevEUI to lower case and an omitted fCnt to 0', () => {
    const { fCnt: _fCnt, ...e } = fixture('chirpstack-up-data.json')
    const r = parse({ ...e, deviceInfo: { ...(e.deviceInfo as object), devEui: 'A84041000181C6F1' } })
    expect(r.ok && [r.value.deviceId, r.value.devEui, r.value.fCnt]).toEqual([
      'a84041000181c6f1',
      'a84041000181c6f1',
      0,
    ])
  })

  it.each([
    ['2023-12-01T10:00:00.123456789Z', '2023-12-01T10:00:00.123Z'],
    ['2023-12-01T10:00:00.123456789+00:00', '2023-12-01T10:00:00.123Z'],
    ['2023-12-01T11:00:00.9+01:00', '2023-12-01T10:00:00.900Z'],
    ['2023-12-01T10:00:00Z', '2023-12-01T10:00:00.000Z'],
    ['2024-02-29T23:59:59.999999-00:30', '2024-03-01T00:29:59.999Z'],
  ])('normalises time %s to %s', (time, iso) => {
    const r = parse({ ...fixture('chirpstack-up-data.json'), time })
    expect(r.ok && r.value.receivedAt).toBe(iso)
  })

  it('has a null receivedAt when the event has no time', () => {
    const { time: _time, ...e } = fixture('chirpstack-up-data.json')
    const r = parse(e)
    expect(r.ok && r.value.receivedAt).toBeNull()
  })

  it('accepts URL-safe and unpadded base64, as the protobuf JSON mapping allows', () => {
    const r = parse({ ...fixture('chirpstack-up-data.json'), data: '_-8' })
    expect(r.ok && r.value.frmPayload).toEqual(new Uint8Array([0xff, 0xef]))
  })

  it.each([
    ['no deviceInfo', { deviceInfo: undefined }, /deviceInfo/],
    ['a DevEUI with dashes', { deviceInfo: { devEui: 'a8-40-41-00-01-81-c6-f1' } }, /deviceInfo\.devEui/],
    ['fPort as a string', { fPort: '2' }, /fPort/],
    ['a fractional fCnt', { fCnt: 1.5 }, /fCnt/],
    ['fCnt beyond 32 bits', { fCnt: 2 ** 32 }, /fCnt/],
    ['data not base64', { data: 'DUgDLAAAcwI' + '==' + 'x' }, /data: not base64/],
    ['a time without zone', { time: '2023-12-01T10:00:00' }, /time/],
    [
      'an object that is a string',
      { object: '{"distanceMm":812}' },
      /object: a decoded payload must be a JSON object/,
    ],
  ])('refuses %s with a reason naming the field', (_name, fields, reason) => {
    expect(reasonOf({ ...fixture('chirpstack-up-object.json'), ...fields })).toMatch(reason)
  })

  it('says so when it is given a ChirpStack v3 event', () => {
    const v3 = {
      applicationID: '1',
      applicationName: 'app',
      deviceName: 'd',
      devEUI: 'qEBBAAGBxvE=',
      fCnt: 1,
      fPort: 2,
      data: 'DUgDLAAAcwI=',
    }
    expect(reasonOf(v3)).toMatch(/deviceInfo.*\(ChirpStack v3 events are not supported, only v4\)$/)
  })

  it('refuses a protobuf-marshalled event (not JSON)', () => {
    expect(parseChirpstackUplink(new Uint8Array([0x0a, 0x24, 0x36, 0x66]))).toEqual({
      ok: false,
      reason: 'ChirpStack envelope: payload is not valid JSON',
    })
  })
})
