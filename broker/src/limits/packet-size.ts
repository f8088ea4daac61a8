import type { Duplex } from 'node:stream'

/**
 * Reads MQTT fixed headers off a byte stream and refuses a packet whose Remaining Length is over
 * `maxBytes` as soon as its header has arrived, before any of its body is buffered. aedes' parser
 * (mqtt-packet) has no such bound: it keeps buffering until a declared 256 MB packet is complete.
 * Pure: feed it the bytes as they come, in any chunking.
 */
export type PacketSizeScanner = {
  /** null while every packet so far is within bounds; else why the connection must close. */
  feed(chunk: Uint8Array): string | null
}

export function createPacketSizeScanner(maxBytes: number): PacketSizeScanner {
  // the state between chunks: in a header (`lengthBytes` of its Remaining Length read), or in a body
  let inBody = 0
  let inHeader = false
  let lengthBytes = 0
  let length = 0
  let multiplier = 1
  return {
    feed(chunk) {
      let i = 0
      while (i < chunk.length) {
        if (inBody > 0) {
          const skip = Math.min(inBody, chunk.length - i)
          inBody -= skip
          i += skip
          continue
        }
        if (!inHeader) {
          // the first byte: packet type and flags (MQTT-2.2.1); the Remaining Length follows
          inHeader = true
          lengthBytes = 0
          length = 0
          multiplier = 1
          i++
          continue
        }
        const byte = chunk[i++]!
        length += (byte & 0x7f) * multiplier
        multiplier *= 128
        lengthBytes++
        if (byte & 0x80) {
          // MQTT-2.2.3: at most four bytes encode the Remaining Length
          if (lengthBytes === 4) return 'malformed Remaining Length (more than four bytes)'
          continue
        }
        inHeader = false
        if (length > maxBytes) return `packet of ${length} bytes is over the limit of ${maxBytes}`
        inBody = length
      }
      return null
    },
  }
}

/**
 * Puts a {@link PacketSizeScanner} in front of whoever reads `stream` with `read()` (aedes reads its
 * connections on 'readable'). A packet over the limit destroys the stream before it is parsed.
 */
export function guardPacketSize(stream: Duplex, maxBytes: number, refuse: (reason: string) => void): void {
  const scanner = createPacketSizeScanner(maxBytes)
  const read = stream.read.bind(stream)
  stream.read = (size?: number): unknown => {
    const chunk: unknown = read(size)
    if (chunk instanceof Uint8Array) {
      const reason = scanner.feed(chunk)
      if (reason) {
        refuse(reason)
        stream.destroy()
        return null
      }
    }
    return chunk
  }
}
