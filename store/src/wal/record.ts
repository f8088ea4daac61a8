import { crc32 } from 'node:zlib'
import type { Inbound } from '@urbantwin/model'

/**
 * One WAL record on disk, little-endian:
 *
 * | bytes | field                                                        |
 * |-------|--------------------------------------------------------------|
 * | 4     | body length n                                                |
 * | 4     | CRC-32 of the body                                           |
 * | n     | body: seq u64 · receivedAt ms f64 · topic len u16 · topic ·  |
 * |       | clientId len u16 · clientId · payload len u32 · payload      |
 *
 * A record whose length or CRC does not check out marks the torn tail of a crash: everything from
 * there on is discarded when the WAL is opened (it was never acknowledged).
 */
export type WalRecord = Inbound & { seq: number }

const HEADER = 8
export const MAX_RECORD_BYTES = 1024 * 1024

export function encodeRecord(r: WalRecord): Buffer {
  const topic = Buffer.from(r.topic, 'utf8')
  const clientId = Buffer.from(r.clientId ?? '', 'utf8')
  const bodyLength = 8 + 8 + 2 + topic.length + 2 + clientId.length + 4 + r.payload.byteLength
  const buf = Buffer.allocUnsafe(HEADER + bodyLength)
  let o = HEADER
  buf.writeBigUInt64LE(BigInt(r.seq), o)
  o += 8
  buf.writeDoubleLE(Date.parse(r.receivedAt), o)
  o += 8
  buf.writeUInt16LE(topic.length, o)
  o += 2
  topic.copy(buf, o)
  o += topic.length
  buf.writeUInt16LE(clientId.length, o)
  o += 2
  clientId.copy(buf, o)
  o += clientId.length
  buf.writeUInt32LE(r.payload.byteLength, o)
  o += 4
  buf.set(r.payload, o)
  buf.writeUInt32LE(bodyLength, 0)
  buf.writeUInt32LE(crc32(buf.subarray(HEADER)), 4)
  return buf
}

/**
 * The size of the record at `offset` when its seq is at most `seq`, else 0: a reader that starts
 * before its place skips such records by their length alone (every record was checked when the WAL
 * was opened, or written by this process).
 */
export function sizeIfUpTo(buf: Buffer, offset: number, seq: number): number {
  if (buf.length - offset < HEADER + 8) return 0
  const bodyLength = buf.readUInt32LE(offset)
  if (bodyLength < 24 || buf.length - offset < HEADER + bodyLength) return 0
  return Number(buf.readBigUInt64LE(offset + HEADER)) <= seq ? HEADER + bodyLength : 0
}

export type Decoded = { record: WalRecord; size: number } | { incomplete: true } | { corrupt: string }

/** The record at `offset` of `buf`, or why there is none (incomplete: more bytes may come). */
export function decodeRecord(buf: Buffer, offset: number): Decoded {
  if (buf.length - offset < HEADER) return { incomplete: true }
  const bodyLength = buf.readUInt32LE(offset)
  if (bodyLength < 24 || bodyLength > MAX_RECORD_BYTES + 1024)
    return { corrupt: `record length ${bodyLength}` }
  if (buf.length - offset < HEADER + bodyLength) return { incomplete: true }
  const body = buf.subarray(offset + HEADER, offset + HEADER + bodyLength)
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { corrupt: 'CRC mismatch' }
  try {
    let o = 0
    const seq = Number(body.readBigUInt64LE(o))
    o += 8
    const receivedAt = new Date(body.readDoubleLE(o)).toISOString()
    o += 8
    const topicLength = body.readUInt16LE(o)
    o += 2
    const topic = body.toString('utf8', o, o + topicLength)
    o += topicLength
    const clientLength = body.readUInt16LE(o)
    o += 2
    const clientId = body.toString('utf8', o, o + clientLength)
    o += clientLength
    const payloadLength = body.readUInt32LE(o)
    o += 4
    if (o + payloadLength !== bodyLength) return { corrupt: 'field lengths do not add up' }
    const payload = new Uint8Array(body.subarray(o, o + payloadLength))
    return {
      record: { seq, receivedAt, topic, clientId: clientId || null, payload },
      size: HEADER + bodyLength,
    }
  } catch (err) {
    return { corrupt: (err as Error).message }
  }
}
