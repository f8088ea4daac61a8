import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateSecret, hashSecret, hashToken, verifySecret } from './credentials.ts'

describe('credentials', () => {
  it('verifies a generated token against its HMAC hash, and nothing else', async () => {
    const token = generateSecret()
    const stored = hashToken(token)
    expect(stored).toMatch(/^hmac-sha256\$[\w-]{22}\$[\w-]{43}$/)
    expect(stored).not.toContain(token)
    expect(await verifySecret(token, stored)).toBe(true)
    expect(await verifySecret(generateSecret(), stored)).toBe(false)
    expect(await verifySecret(token.slice(0, -1), stored)).toBe(false)
    expect(await verifySecret('', stored)).toBe(false)
  })

  it('salts: the same token hashes differently each time', () => {
    const token = generateSecret()
    expect(hashToken(token)).not.toBe(hashToken(token))
  })

  it('refuses to fast-hash secrets that are not generated tokens', () => {
    expect(() => hashToken('hunter2')).toThrow(/hashSecret/)
    expect(() => hashToken('correct horse battery staple')).toThrow(/hashSecret/)
  })

  it('keeps verifying scrypt hashes (chosen secrets and earlier installations)', async () => {
    const stored = await hashSecret('a person chose this')
    expect(stored.startsWith('scrypt$16384$8$1$')).toBe(true)
    expect(await verifySecret('a person chose this', stored)).toBe(true)
    expect(await verifySecret('a person chose that', stored)).toBe(false)
  })

  it('never accepts garbage in the stored column', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (secret, stored) => {
        expect(await verifySecret(secret, stored)).toBe(false)
      }),
      { numRuns: 300 },
    )
    for (const stored of ['hmac-sha256$$', 'hmac-sha256', 'scrypt$1$1$1$$', ''])
      expect(await verifySecret('', stored)).toBe(false)
  })
})
