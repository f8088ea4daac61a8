import { timingSafeEqual } from 'node:crypto'
import type { ApiKeyVerifier, ApiRole, KeyCheck } from '../src/index.ts'

type TestKey = { role: ApiRole; expiresAt?: Date; revoked?: boolean }

/** An in-memory key verifier for API tests: plaintext tokens → roles (the platform's file store hashes them). */
export function staticKeys(keys: Record<string, ApiRole | TestKey>): ApiKeyVerifier {
  const entries = Object.entries(keys).map(([token, k]) => ({
    token: Buffer.from(token),
    key: typeof k === 'string' ? { role: k } : k,
  }))
  return {
    verify: (token, now): KeyCheck => {
      const given = Buffer.from(token)
      const i = entries.findIndex((e) => e.token.length === given.length && timingSafeEqual(e.token, given))
      const found = entries[i]
      if (!found) return { ok: false, reason: 'unknown' }
      if (found.key.revoked) return { ok: false, reason: 'revoked' }
      if (found.key.expiresAt && found.key.expiresAt <= now) return { ok: false, reason: 'expired' }
      return { ok: true, principal: { keyId: `k${i}`, name: `test ${found.key.role}`, role: found.key.role } }
    },
  }
}
