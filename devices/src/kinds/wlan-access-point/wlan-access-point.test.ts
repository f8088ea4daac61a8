import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ObservationResult, type Outcome } from '@urbantwin/model'
import { decodeNative, decodeValue } from '../../decode.ts'
import type { Reading } from '../../kind.ts'
import { AP_DOWN, NORMAL_READING, PARTIAL_READING } from './fixtures.ts'
import { wlanAccessPoint } from './index.ts'

const ctx = { deviceId: 'x', properties: {} }
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const keys = new Set(wlanAccessPoint.datastreams.map((d) => d.key))

/** A decode outcome is either a refusal with a reason or readings for declared Datastreams. */
function wellFormed(r: Outcome<Reading[]>): boolean {
  if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0
  return r.value.every(
    (x) =>
      keys.has(x.key) &&
      ObservationResult.safeParse(x.result).success &&
      (x.phenomenonTime === undefined || !Number.isNaN(Date.parse(x.phenomenonTime))),
  )
}

describe('WLAN access point native JSON', () => {
  it('decodes a full reading into one reading per field, at the device time in UTC', () => {
    const at = '2026-11-23T18:00:00.000Z'
    expect(decodeNative(wlanAccessPoint, bytes(NORMAL_READING), ctx)).toEqual({
      ok: true,
      value: [
        { key: 'clientsConnected', result: 37, phenomenonTime: at },
        { key: 'clientsConnected24', result: 11, phenomenonTime: at },
        { key: 'clientsConnected5', result: 25, phenomenonTime: at },
        { key: 'clientsConnected6', result: 0, phenomenonTime: at },
        { key: 'apState', result: 'up', phenomenonTime: at },
        { key: 'uptime', result: 1_209_600, phenomenonTime: at },
        { key: 'throughputRx', result: 18_500_000, phenomenonTime: at },
        { key: 'throughputTx', result: 42_250_000.5, phenomenonTime: at },
      ],
    })
  })

  it('decodes a partial reading without time', () => {
    expect(decodeValue(wlanAccessPoint, PARTIAL_READING, ctx)).toEqual({
      ok: true,
      value: [
        { key: 'clientsConnected', result: 4 },
        { key: 'apState', result: 'up' },
      ],
    })
  })

  it('decodes an access point that is down', () => {
    const at = '2026-11-23T03:15:00.000Z'
    expect(decodeNative(wlanAccessPoint, bytes(AP_DOWN), ctx)).toEqual({
      ok: true,
      value: [
        { key: 'clientsConnected', result: 0, phenomenonTime: at },
        { key: 'apState', result: 'down', phenomenonTime: at },
        { key: 'throughputRx', result: 0, phenomenonTime: at },
        { key: 'throughputTx', result: 0, phenomenonTime: at },
      ],
    })
  })

  it.each([
    [
      'a list of client MACs',
      { clientsConnected: 3, clients: ['aa:bb:cc:dd:ee:ff'] },
      /^privacy: field clients/,
    ],
    ['a MAC in free text', { clientsConnected: 1, note: 'AA-BB-CC-DD-EE-FF' }, /^privacy: note /],
    ['a clientMacs field, even empty', { clientsConnected: 1, clientMacs: [] }, /^privacy: field clientMacs/],
    [
      'a Cisco-style MAC in a nested object',
      { clientsConnected: 1, debug: { last: 'aabb.ccdd.eeff' } },
      /^privacy: debug\.last/,
    ],
    ['a MAC as a field name', { clientsConnected: 1, 'aa:bb:cc:dd:ee:ff': 1 }, /^privacy: field name/],
  ])('refuses %s for privacy, before the schema', (_name, payload, reason) => {
    for (const r of [
      decodeValue(wlanAccessPoint, payload, ctx),
      decodeNative(wlanAccessPoint, bytes(payload), ctx),
    ]) {
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.reason).toMatch(reason)
    }
  })

  it('refuses identifiers the privacy check does not recognise through the strict schema', () => {
    const r = decodeValue(wlanAccessPoint, { clientsConnected: 1, clientHostnames: ['annas-iphone'] }, ctx)
    expect(r).toEqual({
      ok: false,
      reason: 'payload does not match the schema: (root): Unrecognized key: "clientHostnames"',
    })
  })

  it.each([
    [
      'band counts above the total',
      { clientsConnected: 5, clientsConnected24: 4, clientsConnected5: 2 },
      /clientsConnected: per-band counts add up to 6, more than the 5/,
    ],
    [
      'a band count without the total',
      { clientsConnected5: 2 },
      /per-band counts \(clientsConnected5\) need the total/,
    ],
    ['a negative count', { clientsConnected: -1 }, /clientsConnected: Too small/],
    ['a negative band count', { clientsConnected: 3, clientsConnected6: -2 }, /clientsConnected6: Too small/],
    ['a negative uptime', { uptime: -60 }, /uptime: Too small/],
    ['a negative throughput', { throughputTx: -0.5 }, /throughputTx: Too small/],
    ['a fractional count', { clientsConnected: 2.5 }, /clientsConnected: Invalid input: expected int/],
    ['an implausible count', { clientsConnected: 1e6 }, /clientsConnected: Too big/],
    ['clients on an AP that is down', { apState: 'down', clientsConnected: 2 }, /down has no clients/],
    ['an unknown apState', { apState: 'online' }, /apState/],
    ['an unknown field', { clientsConnected: 1, ssid: 'M-WLAN' }, /Unrecognized key: "ssid"/],
    ['only a time', { time: '2026-11-23T08:00:00Z' }, /at least one value besides time/],
    ['a time without offset', { clientsConnected: 1, time: '2026-11-23T08:00:00' }, /time: /],
    ['an array', [{ clientsConnected: 1 }], /\(root\): Invalid input: expected object/],
    ['not JSON', '{"clientsConnected":', /not valid JSON/],
  ])('refuses %s with a reason', (_name, payload, reason) => {
    const r = decodeNative(wlanAccessPoint, bytes(payload), ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  it('declares exactly the Datastreams it decodes, with unique keys', () => {
    expect(keys.size).toBe(wlanAccessPoint.datastreams.length)
    const r = decodeValue(wlanAccessPoint, NORMAL_READING, ctx)
    expect(r.ok && new Set(r.value.map((x) => x.key))).toEqual(keys)
  })

  it('accepts exactly the consistent payloads (property)', () => {
    const count = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined })
    fc.assert(
      fc.property(
        fc.record(
          {
            apState: fc.constantFrom('up', 'down'),
            clientsConnected: count,
            clientsConnected24: count,
            clientsConnected5: count,
            clientsConnected6: count,
            uptime: fc.nat(),
          },
          { requiredKeys: [] },
        ),
        (p) => {
          const bands = [p.clientsConnected24, p.clientsConnected5, p.clientsConnected6].filter(
            (b) => b !== undefined,
          )
          const sent = Object.values(p).filter((v) => v !== undefined).length
          const consistent =
            sent > 0 &&
            (bands.length === 0 ||
              (p.clientsConnected !== undefined && bands.reduce((a, b) => a + b, 0) <= p.clientsConnected)) &&
            !(p.apState === 'down' && (p.clientsConnected ?? 0) > 0)
          const r = decodeValue(wlanAccessPoint, JSON.parse(JSON.stringify(p)), ctx)
          expect(r.ok).toBe(consistent)
          if (r.ok) expect(r.value).toHaveLength(sent)
        },
      ),
    )
  })

  it('never throws on random bytes, JSON or values (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) =>
        wellFormed(decodeNative(wlanAccessPoint, b, ctx)),
      ),
    )
    fc.assert(
      fc.property(fc.jsonValue(), (v) =>
        wellFormed(decodeNative(wlanAccessPoint, bytes(JSON.stringify(v)), ctx)),
      ),
    )
    fc.assert(fc.property(fc.anything(), (v) => wellFormed(decodeValue(wlanAccessPoint, v, ctx))))
  })
})
