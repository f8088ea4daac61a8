import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Secrets are stored only as hashes, compared in constant time. Two schemes:
 *
 * - `hmac-sha256$salt$hash` for secrets this platform generates ({@link generateSecret}: 192 random
 *   bits). Guessing such a secret is as hard as guessing 192 bits, so a slow KDF adds nothing but cost:
 *   with scrypt, 1,000 devices reconnecting after a restart burnt ~20 s of CPU before the first reading.
 * - `scrypt$N$r$p$salt$hash` (RFC 7914) for secrets a person chose, whose entropy is unknown.
 */
const PARAMS = { N: 16384, r: 8, p: 1 }
const KEY_LENGTH = 32
/** 128 bits: below this a secret is not treated as a generated token. */
const TOKEN_MIN_BYTES = 16

function derive(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

const hmac = (secret: string, salt: Buffer) => createHmac('sha256', salt).update(secret, 'utf8').digest()

const equal = (key: Buffer, expected: Buffer) =>
  key.length === expected.length && timingSafeEqual(key, expected)

/** Hash for a secret a person chose (scrypt, slow on purpose). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(secret, salt, PARAMS)
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  )
}

/** Hash for a secret from {@link generateSecret}; refuses anything that does not look like one. */
export function hashToken(token: string): string {
  if (Buffer.from(token, 'base64url').length < TOKEN_MIN_BYTES || !/^[A-Za-z0-9_-]+$/.test(token))
    throw new Error('hashToken is for generated tokens of at least 128 bits; use hashSecret')
  const salt = randomBytes(16)
  return ['hmac-sha256', salt.toString('base64url'), hmac(token, salt).toString('base64url')].join('$')
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts[0] === 'hmac-sha256' && parts.length === 3) {
    const [, salt, hash] = parts as [string, string, string]
    return equal(hmac(secret, Buffer.from(salt, 'base64url')), Buffer.from(hash, 'base64url'))
  }
  const [scheme, n, r, p, salt, hash] = parts
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const key = await derive(secret, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return equal(key, Buffer.from(hash, 'base64url'))
}

/** A random secret for a device token or service password (192 bits, base64url). */
export function generateSecret(): string {
  return randomBytes(24).toString('base64url')
}
