import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import { hashPassword } from './password.ts'

describe('hashPassword', () => {
  it('makes a bcrypt hash of cost ≥ 10 that verifies only the right password', async () => {
    const hash = await hashPassword('correct horse')
    expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(10)
    expect(await bcrypt.compare('correct horse', hash)).toBe(true)
    expect(await bcrypt.compare('wrong horse', hash)).toBe(false)
  }, 15_000) // three cost-12 bcrypt rounds in pure JS: ~2 s on our machines

  it('refuses an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow('empty')
  })
})
