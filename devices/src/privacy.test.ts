import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { checkPrivacy } from './privacy.ts'

describe('privacy check: counts, never identities', () => {
  it.each([
    [
      { list: ['aa:bb:cc:dd:ee:ff'] },
      'privacy: list[0] holds a hardware (MAC) address; only counts may be sent',
    ],
    [{ note: 'seen AA-BB-CC-DD-EE-FF' }, /note holds a hardware/],
    [{ x: { y: 'aabb.ccdd.eeff' } }, /x\.y holds/],
    [{ clientMacs: [] }, 'privacy: field clientMacs would carry client identifiers; only counts may be sent'],
    [{ 'MAC-Address': 'x' }, /field MAC-Address/],
    [{ stations: 3 }, /field stations/],
    [{ 'aa:bb:cc:dd:ee:ff': 1 }, /field name .* is a hardware/],
    [{ id: 'aabbccddeeff' }, /id holds a hardware/],
    [{ id: 'sta_aa:bb:cc:dd:ee:ff' }, /id holds a hardware/],
    [{ id: 'aabb:ccdd:eeff' }, /id holds a hardware/],
    [{ seen: 'from 192.168.1.23' }, /seen holds an IP address/],
    [{ seen: 'fe80::a8bb:ccff:fedd:eeff' }, /seen holds (an IP|a hardware)/],
    [{ macAddr: 'x' }, /field macAddr/],
    [{ staMac: 'x' }, /field staMac/],
    [{ hashedMacs: ['x'] }, /field hashedMacs/],
    [{ hostnames: ['Annas-iPhone'] }, /field hostnames/],
    [{ callingStationId: 'x' }, /field callingStationId/],
    [{ clients: 3 }, /field clients/],
  ])('refuses %j', (value, reason) => {
    const r = checkPrivacy(value)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  it.each([
    { clientsConnected: 42, apState: 'up' },
    { time: '2026-11-23T08:00:00Z', fillingLevel: 0.5 },
    { firmware: '1.2.3', uptime: 3600 },
    { time: '2026-11-23T08:00:00.000Z', devEui: '0a12345678abcdef', version: '10.2.33.4a' },
    [1, 2, 3],
  ])('lets counts and measurements through: %j', (value) => {
    expect(checkPrivacy(value)).toEqual({ ok: true, value: true })
  })

  it('refuses deep nesting and never throws (property)', () => {
    let deep: unknown = 1
    for (let i = 0; i < 12; i++) deep = { a: deep }
    expect(checkPrivacy(deep).ok).toBe(false)
    fc.assert(fc.property(fc.anything(), (v) => typeof checkPrivacy(v).ok === 'boolean'))
  })

  it('finds any MAC address put anywhere in a JSON value (property)', () => {
    const mac = fc
      .array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
      .map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'))
    fc.assert(
      fc.property(fc.jsonValue(), mac, (v, m) => !checkPrivacy({ payload: v, extra: [`id ${m}`] }).ok),
    )
  })
})
