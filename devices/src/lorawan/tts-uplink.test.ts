import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MAX_ENVELOPE_BYTES } from './envelope-json.ts'
import { parseTtsUplink } from './tts-uplink.ts'

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const fixtureBytes = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
/** The fixture with `uplink_message` fields replaced; `undefined` removes a field. */
function withUplink(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  const m = fixture(name)
  const up = { ...(m.uplink_message as Record<string, unknown>), ...fields }
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete up[k]
  return { ...m, uplink_message: up }
}
const reasonOf = (v: unknown) => {
  const r = parseTtsUplink(bytes(v))
  return r.ok ? '(parsed)' : r.reason
}

/** 0D48 032C 00 0073 02: 3400 mV, 812 mm, no flags, 11.5 °C, 2° (fixtures/README.md). */
const FRAME = new Uint8Array([0x0d, 0x48, 0x03, 0x2c, 0x00, 0x00, 0x73, 0x02])

describe('The Things Stack v3 uplink message', () => {
  it('parses an uplink with a decoded payload, taking the Network Server receive time', () => {
    expect(parseTtsUplink(fixtureBytes('tts-up-decoded.json'))).toStrictEqual({
      ok: true,
      value: {
        network: 'tts',
        deviceId: 'clothing-container-017',
        devEui: '70b3d57ed0063a1f',
        receivedAt: '2026-11-23T08:00:00.918Z',
        fPort: 2,
        fCnt: 1,
        frmPayload: FRAME,
        decoded: { distanceMm: 812, batteryLevel: 0.818, temperature: 11.5, tiltAngle: 2, status: 'ok' },
      },
    })
  })

  it('parses an uplink with only frm_payload; the omitted f_cnt of the first uplink is 0', () => {
    expect(parseTtsUplink(fixtureBytes('tts-up-frm-payload.json'))).toStrictEqual({
      ok: true,
      value: {
        network: 'tts',
        deviceId: 'clothing-container-017',
        devEui: '70b3d57ed0063a1f',
        receivedAt: '2026-11-23T07:59:15.398Z',
        fPort: 2,
        fCnt: 0,
        frmPayload: FRAME,
        decoded: undefined,
      },
    })
  })

  it('refuses a join-accept, naming what it is', () => {
    expect(parseTtsUplink(fixtureBytes('tts-join-accept.json'))).toEqual({
      ok: false,
      reason:
        'The Things Stack message for clothing-container-017 has no uplink_message (it is a join_accept)',
    })
  })

  it.each([
    [
      'MAC-only (f_port omitted)',
      { f_port: undefined, frm_payload: undefined, decoded_payload: undefined },
      /fPort 0: MAC commands only/,
    ],
    ['f_port 0 with a payload', { f_port: 0 }, /fPort 0: MAC commands only/],
    [
      'no frm_payload and no decoded_payload',
      { frm_payload: undefined, decoded_payload: undefined },
      /no application payload/,
    ],
    ['an empty frm_payload', { frm_payload: '', decoded_payload: undefined }, /no application payload/],
  ])('refuses an uplink without application payload: %s', (_name, fields, reason) => {
    expect(reasonOf(withUplink('tts-up-decoded.json', fields))).toMatch(reason)
  })

  it('falls back to the Application Server time, then to null', () => {
    const asTime = withUplink('tts-up-decoded.json', { received_at: undefined })
    const r = parseTtsUplink(bytes(asTime))
    expect(r.ok && r.value.receivedAt).toBe('2026-11-23T08:00:00.941Z')
    const none = parseTtsUplink(bytes({ ...asTime, received_at: undefined }))
    expect(none.ok && none.value.receivedAt).toBeNull()
  })

  it('takes a decoded payload without frm_payload, and a device without DevEUI (ABP)', () => {
    const m = withUplink('tts-up-decoded.json', { frm_payload: undefined })
    const ids = { ...(m.end_device_ids as Record<string, unknown>), dev_eui: undefined }
    const r = parseTtsUplink(bytes({ ...m, end_device_ids: ids }))
    expect(r.ok && [r.value.devEui, r.value.frmPayload, r.value.decoded]).toEqual([
      null,
      null,
      expect.any(Object),
    ])
  })

  it('ignores fields it does not read, whatever their shape', () => {
    const r = parseTtsUplink(
      bytes({ ...withUplink('tts-up-decoded.json', { rx_metadata: 'anything' }), extra: [1] }),
    )
    expect(r.ok).toBe(true)
  })

  it.each([
    ['f_port as a string', { f_port: '2' }, /uplink_message\.f_port/],
    ['f_port above 255', { f_port: 256 }, /uplink_message\.f_port/],
    ['negative f_cnt', { f_cnt: -1 }, /uplink_message\.f_cnt/],
    ['frm_payload not base64', { frm_payload: 'DUg*LAAAcwI=' }, /uplink_message\.frm_payload: not base64/],
    [
      'decoded_payload an array',
      { decoded_payload: [812] },
      /uplink_message\.decoded_payload: a decoded payload must be a JSON object/,
    ],
    ['received_at not a time', { received_at: 'yesterday' }, /uplink_message\.received_at/],
    [
      'received_at not a calendar date',
      { received_at: '2026-02-30T08:00:00Z' },
      /uplink_message\.received_at/,
    ],
  ])('refuses %s with a reason naming the field', (_name, fields, reason) => {
    expect(reasonOf(withUplink('tts-up-decoded.json', fields))).toMatch(reason)
  })

  it.each([
    ['a device id TTS would not issue', { device_id: 'Clothing_Container' }, /end_device_ids\.device_id/],
    ['a short DevEUI', { dev_eui: '70B3D57E' }, /end_device_ids\.dev_eui: a DevEUI is 16 hex digits/],
    ['no application id', { application_ids: {} }, /end_device_ids\.application_ids\.application_id/],
  ])('refuses %s', (_name, ids, reason) => {
    const m = fixture('tts-up-decoded.json')
    expect(reasonOf({ ...m, end_device_ids: { ...(m.end_device_ids as object), ...ids } })).toMatch(reason)
  })

  it('refuses bytes that are not a JSON envelope', () => {
    expect(parseTtsUplink(new Uint8Array([0xff, 0x7b]))).toEqual({
      ok: false,
      reason: 'The Things Stack envelope: payload is not valid UTF-8',
    })
    expect(parseTtsUplink(bytes('{"end_device_ids":'))).toEqual({
      ok: false,
      reason: 'The Things Stack envelope: payload is not valid JSON',
    })
    expect(reasonOf([1, 2])).toMatch(/^The Things Stack envelope does not match its format: \(root\)/)
  })

  it('takes envelopes up to 64 KiB and refuses larger ones', () => {
    const m = fixture('tts-up-decoded.json')
    const padded = (n: number) => {
      const base = bytes({ ...m, padding: '' }).byteLength
      return bytes({ ...m, padding: 'x'.repeat(n - base) })
    }
    expect(padded(MAX_ENVELOPE_BYTES).byteLength).toBe(65_536)
    expect(parseTtsUplink(padded(MAX_ENVELOPE_BYTES)).ok).toBe(true)
    expect(parseTtsUplink(padded(MAX_ENVELOPE_BYTES + 1))).toEqual({
      ok: false,
      reason: 'The Things Stack envelope: payload of 65537 bytes exceeds 65536',
    })
  })
})
