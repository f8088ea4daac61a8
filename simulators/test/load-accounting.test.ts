import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  countLossAndDuplicates,
  defaultLoadPayload,
  loopbackAddresses,
  parseLoadPayload,
  resolveSettings,
  splitSettings,
  startMosquitto,
} from '../src/load/index.ts'
import { createHistogram, merge, quantile, record } from '../src/load/histogram.ts'
import { available, createPacer, msUntilNext, spend } from '../src/load/pacer.ts'

const seqs = (device: string, ...ns: number[]) => ns.map((seq) => ({ device, seq }))

describe('countLossAndDuplicates (subscriber-side accounting)', () => {
  it('finds nothing wrong in a complete, ordered stream', () => {
    const r = countLossAndDuplicates(
      [...seqs('a', 1, 2, 3), ...seqs('b', 1, 2)],
      new Map([
        ['a', 3],
        ['b', 2],
      ]),
    )
    expect(r).toEqual({ expected: 5, received: 5, lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 })
  })

  it('counts lost and duplicated sequence numbers', () => {
    const r = countLossAndDuplicates(seqs('a', 1, 2, 2, 4, 4, 4), new Map([['a', 5]]))
    expect(r).toMatchObject({ expected: 5, received: 6, lost: 2, duplicates: 3, outOfOrder: 0 })
  })

  it('counts late arrivals as out of order, not as loss', () => {
    const r = countLossAndDuplicates(seqs('a', 1, 3, 2, 4), new Map([['a', 4]]))
    expect(r).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 1 })
  })

  it('counts unknown devices and numbers beyond the last sent as unexpected', () => {
    const r = countLossAndDuplicates(
      [...seqs('a', 1, 2, 9, 0), ...seqs('x', 1)],
      new Map([
        ['a', 2],
        ['idle', 0],
      ]),
    )
    expect(r).toMatchObject({ expected: 2, lost: 0, unexpected: 3 })
  })

  it('accounts every reception exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ device: fc.constantFrom('a', 'b', 'c'), seq: fc.integer({ min: -2, max: 40 }) }),
        ),
        (rx) => {
          const sent = new Map([
            ['a', 30],
            ['b', 5],
          ])
          const r = countLossAndDuplicates(rx, sent)
          const unique = r.expected - r.lost
          return r.received === unique + r.duplicates + r.unexpected && r.lost >= 0 && r.outOfOrder <= unique
        },
      ),
    )
  })
})

describe('load payload', () => {
  it('round-trips and rejects other payloads', () => {
    const bytes = Buffer.from(defaultLoadPayload('sim-000001', 7, 1_700_000_000_000))
    expect(parseLoadPayload(bytes)).toEqual({ seq: 7, device: 'sim-000001', t: 1_700_000_000_000 })
    expect(parseLoadPayload(Buffer.from('{"fill":0.5}'))).toBeNull()
    expect(parseLoadPayload(Buffer.from('not json'))).toBeNull()
  })
})

describe('pacer (token bucket)', () => {
  it('releases rate × elapsed messages, capped to the burst', () => {
    const p = createPacer(1000, 0, 50)
    expect(available(p, 10)).toBe(10)
    spend(p, 10)
    expect(available(p, 10)).toBe(0)
    expect(msUntilNext(p)).toBeCloseTo(1)
    expect(available(p, 10_000)).toBe(50) // a stall is not followed by a 10 s catch-up
  })
})

describe('latency histogram', () => {
  it('gives quantiles within 2 % and merges by adding counts', () => {
    const a = createHistogram()
    const b = createHistogram()
    for (let i = 1; i <= 1000; i++) record(i <= 500 ? a : b, i / 10)
    expect(Math.abs(quantile(a, 0.5)! / 25 - 1)).toBeLessThan(0.02)
    merge(a, b)
    expect(a.total).toBe(1000)
    expect(quantile(a, 0.5)! / 50).toBeGreaterThan(0.98)
    expect(quantile(a, 0.5)! / 50).toBeLessThan(1.02)
    expect(quantile(a, 0.99)! / 99).toBeGreaterThan(0.98)
    expect(quantile(createHistogram(), 0.5)).toBeNull()
  })
})

describe('settings', () => {
  it('requires a bounded stop condition and connections ≤ devices', () => {
    expect(() => resolveSettings({ url: 'mqtt://127.0.0.1:1883', devices: 10 })).toThrow(
      /durationMs or messages/,
    )
    expect(() =>
      resolveSettings({ url: 'mqtt://127.0.0.1:1883', devices: 10, connections: 11, messages: 1 }),
    ).toThrow(/connections must be ≤ devices/)
    expect(() => resolveSettings({ url: 'http://x', devices: 1, messages: 1 })).toThrow(/mqtt:\/\/host:port/)
  })

  it('splits devices, connections and messages over processes exactly, ranges contiguous', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 8, max: 500 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 8, max: 10_000 }),
        (k, connections, extra, messages) => {
          const s = resolveSettings({
            url: 'mqtt://h:1',
            devices: connections + extra,
            connections,
            messages,
            rate: 100,
          })
          const parts = splitSettings(s, k)
          let dev = 0
          let con = 0
          for (const p of parts) {
            if (
              p.firstDevice !== dev ||
              p.firstConnection !== con ||
              p.connections > p.devices ||
              p.connections < 1
            )
              return false
            dev += p.devices
            con += p.connections
          }
          const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((n, p) => n + f(p), 0)
          return (
            dev === s.devices &&
            con === s.connections &&
            sum((p) => p.messages!) === messages &&
            Math.abs(sum((p) => p.rate) - 100) < 1e-6
          )
        },
      ),
    )
  })

  it('rotates source addresses across 127.0.0.0/8', () => {
    expect(loopbackAddresses(3)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3'])
    expect(loopbackAddresses(256).at(-1)).toBe('127.0.1.0')
  })
})

describe('mosquitto fixture', () => {
  it('says what to install when the binary is missing', async () => {
    await expect(startMosquitto({ bin: '/nonexistent/mosquitto' })).rejects.toThrow(
      /apt-get install .*mosquitto/,
    )
  })
})
