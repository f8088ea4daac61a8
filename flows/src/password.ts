import bcrypt from 'bcryptjs'

/** bcrypt cost; Node-RED verifies with @node-rs/bcrypt (native) when present, else bcryptjs. */
export const BCRYPT_COST = 12

/** A bcrypt hash for `adminUser.passwordHash` (the form Node-RED's adminAuth expects). */
export async function hashPassword(plain: string): Promise<string> {
  if (plain.length === 0) throw new Error('password must not be empty')
  return bcrypt.hash(plain, BCRYPT_COST)
}
