import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createPacketSizeScanner } from '../src/limits/packet-size.ts'
import { remainingLength } from './fuzz-cases.ts'

/** An MQTT packet: type byte, Remaining Length (MQTT-2.2.3 variable-length encoding), body. */
function packet(bodyLength: number): Uint8Array {
  return Uint8Array.from([0x30, ...remainingLength(bodyLength), ...new Array<number>(bodyLength).fill(0x61)])
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]))

/** Feeds `bytes` cut at `cuts`; the first refusal, or null. */
function feedInChunks(max: number, bytes: Uint8Array, cuts: number[]): string | null {
  const scanner = createPacketSizeScanner(max)
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...points, bytes.length]) {
    const reason = scanner.feed(bytes.subarray(from, to))
    if (reason) return reason
    from = to
  }
  return null
}

describe('packet size guard', () => {
  it('passes packets up to the limit in any chunking, and refuses the first one over it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (lengths, cuts) => {
          const max = 200
          const result = feedInChunks(max, concat(lengths.map(packet)), cuts)
          const over = lengths.find((l) => l > max)
          expect(result).toBe(
            over === undefined ? null : `packet of ${over} bytes is over the limit of ${max}`,
          )
        },
      ),
      { numRuns: 500 },
    )
  })

  it('refuses a declared 256 MB packet from its header alone, before any body arrives', () => {
    const scanner = createPacketSizeScanner(1024)
    // PUBLISH with Remaining Length 268,435,455 (0xff 0xff 0xff 0x7f, the largest MQTT allows)
    expect(scanner.feed(Uint8Array.from([0x30, 0xff, 0xff]))).toBeNull()
    expect(scanner.feed(Uint8Array.from([0xff, 0x7f]))).toBe(
      'packet of 268435455 bytes is over the limit of 1024',
    )
  })

  it('refuses a Remaining Length of more than four bytes (MQTT-2.2.3)', () => {
    const scanner = createPacketSizeScanner(1 << 30)
    expect(scanner.feed(Uint8Array.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(
      'malformed Remaining Length (more than four bytes)',
    )
  })

  it('counts a two-byte length and a zero-length packet right', () => {
    const scanner = createPacketSizeScanner(16_383)
    expect(scanner.feed(concat([packet(0), packet(16_383), packet(0)]))).toBeNull()
    expect(scanner.feed(packet(16_384))).toBe('packet of 16384 bytes is over the limit of 16383')
  })
})
