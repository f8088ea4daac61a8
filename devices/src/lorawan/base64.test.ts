import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeBase64, encodeBase64 } from './base64.ts'

describe('base64 of protobuf JSON bytes fields', () => {
  it.each([
    ['DUgDLAAAcwI=', [0x0d, 0x48, 0x03, 0x2c, 0x00, 0x00, 0x73, 0x02]],
    ['DUgDLAAAcwI', [0x0d, 0x48, 0x03, 0x2c, 0x00, 0x00, 0x73, 0x02]],
    ['_-8=', [0xff, 0xef]],
    ['/+8', [0xff, 0xef]],
    ['', []],
  ])('decodes %j', (text, expected) => {
    expect(decodeBase64(text)).toEqual(new Uint8Array(expected))
  })

  it.each(['DUg*', 'D', 'DUgDL', 'DU=', 'DUg==', '=', 'DU g', 'DUgD==='])('refuses %j', (text) => {
    expect(decodeBase64(text)).toBeNull()
  })

  it('decodes what it encodes, and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const text = encodeBase64(b)
        expect(text).toBe(Buffer.from(b).toString('base64'))
        expect(decodeBase64(text)).toEqual(b)
        expect(decodeBase64(Buffer.from(b).toString('base64url'))).toEqual(b)
      }),
    )
  })

  it('never throws on any string', () => {
    fc.assert(
      fc.property(fc.string(), (s) => decodeBase64(s) === null || decodeBase64(s) instanceof Uint8Array),
    )
  })
})
