/**
 * Subscriber-side accounting for load runs. Pure. Each device's sequence starts at 1 and the sender
 * reports the last number it used, so every `1..lastSeq` is expected exactly once.
 */
export type Received = { device: string; seq: number }

export type LossCount = {
  expected: number
  received: number
  /** Expected sequence numbers never received. */
  lost: number
  /** Receptions of a number already received. */
  duplicates: number
  /** First receptions below a device's highest number seen so far. */
  outOfOrder: number
  /** Receptions of an unknown device or a number above the sender's last. */
  unexpected: number
}

export function countLossAndDuplicates(
  received: Iterable<Received>,
  sent: ReadonlyMap<string, number>,
): LossCount {
  const seen = new Map<string, { bits: Uint8Array; highest: number }>()
  let expected = 0
  for (const [device, last] of sent) {
    expected += last
    seen.set(device, { bits: new Uint8Array((last >> 3) + 1), highest: 0 })
  }
  let count = 0
  let unique = 0
  let duplicates = 0
  let outOfOrder = 0
  let unexpected = 0
  for (const { device, seq } of received) {
    count++
    const s = seen.get(device)
    if (!s || !Number.isInteger(seq) || seq < 1 || seq > (sent.get(device) ?? 0)) {
      unexpected++
      continue
    }
    const byte = seq >> 3
    const bit = 1 << (seq & 7)
    if (s.bits[byte]! & bit) {
      duplicates++
      continue
    }
    s.bits[byte]! |= bit
    unique++
    if (seq < s.highest) outOfOrder++
    else s.highest = seq
  }
  return { expected, received: count, lost: expected - unique, duplicates, outOfOrder, unexpected }
}
