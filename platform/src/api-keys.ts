import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { ApiRole, type KeyCheck } from '@urbantwin/api'

export const API_KEYS_FILE = 'api-keys.json'

/**
 * One API key at rest: the SHA-256 of its secret, never the secret. A hash without salt or stretching
 * suits 256-bit random secrets (nothing to guess); passwords would need scrypt.
 */
export const StoredApiKey = z.object({
  id: z.string().regex(/^(?:[0-9a-f]{12}|legacy)$/),
  name: z.string().min(1).max(100),
  role: ApiRole,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  /** The operator key of `secrets.json` before keys had ids: the hash covers the whole token. */
  legacy: z.boolean().optional(),
})
export type StoredApiKey = z.infer<typeof StoredApiKey>

const KeyFile = z.object({ version: z.literal(1), keys: z.array(StoredApiKey) })
type KeyFile = z.infer<typeof KeyFile>

/** What `list` shows: no hash. */
export type ApiKeyInfo = Omit<StoredApiKey, 'sha256' | 'legacy'> & {
  status: 'active' | 'revoked' | 'expired'
}

/** `ut_<id>_<secret>`: the id finds the entry, the secret (32 random bytes, base64url) proves it. */
const TOKEN = /^ut_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))

/** The key file; also the platform's `ApiKeyVerifier` (synchronous: a stat, and a read after a change). */
export type ApiKeyStore = {
  readonly path: string
  verify: (token: string, now: Date) => KeyCheck
  exists: () => boolean
  /** Adds a key; its token is returned only here. */
  create: (
    key: { name: string; role: ApiRole; expiresAt?: Date | null },
    now: Date,
  ) => { id: string; token: string }
  list: (now: Date) => ApiKeyInfo[]
  /** False when no key has that id. Revoking twice keeps the first time. */
  revoke: (id: string, now: Date) => boolean
  /** Stores the hash of a pre-`ut_` operator key as the admin key `legacy` (once). */
  importLegacy: (token: string, now: Date) => boolean
}

/**
 * API keys in one JSON file (mode 0600) that the CLI edits while the platform runs: writes replace the
 * file atomically (write, fsync, rename); `verify` re-reads it when its inode, size or mtime changed,
 * so new and revoked keys count from the next request. Concurrent CLI writers are not serialised.
 */
export function openApiKeyStore(path: string): ApiKeyStore {
  let cache: { stamp: string; keys: KeyFile['keys']; byId: Map<string, StoredApiKey> } | null = null

  const stampOf = (): string | null => {
    try {
      const s = statSync(path, { bigint: true })
      return `${s.ino}:${s.size}:${s.mtimeNs}`
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }
  const read = (): KeyFile => {
    try {
      return KeyFile.parse(JSON.parse(readFileSync(path, 'utf8')))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] }
      throw new Error(`${path} is not a valid API key file`, { cause: err })
    }
  }
  const current = () => {
    const stamp = stampOf() ?? 'none'
    if (cache?.stamp !== stamp) {
      const { keys } = read()
      cache = { stamp, keys, byId: new Map(keys.map((k) => [k.id, k])) }
    }
    return cache
  }
  const write = (file: KeyFile) => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const fd = openSync(tmp, 'wx', 0o600)
    try {
      writeSync(fd, JSON.stringify(file, null, 2) + '\n')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  }
  const update = <T>(change: (keys: StoredApiKey[]) => T): T => {
    const file = read()
    const result = change(file.keys)
    write(file)
    return result
  }
  const statusOf = (k: Pick<StoredApiKey, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyInfo['status'] =>
    k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= now.getTime() ? 'expired' : 'active'

  return {
    path,
    exists: () => stampOf() !== null,
    create: ({ name, role, expiresAt = null }, now) => {
      const id = randomBytes(6).toString('hex')
      const secret = randomBytes(32).toString('base64url')
      const key = StoredApiKey.parse({
        id,
        name,
        role,
        sha256: sha256(secret),
        createdAt: now.toISOString(),
        expiresAt: expiresAt?.toISOString() ?? null,
        revokedAt: null,
      })
      update((keys) => keys.push(key))
      return { id, token: `ut_${id}_${secret}` }
    },
    list: (now) =>
      read().keys.map(({ sha256: _hash, legacy: _legacy, ...k }) => ({ ...k, status: statusOf(k, now) })),
    revoke: (id, now) =>
      update((keys) => {
        const key = keys.find((k) => k.id === id)
        if (key) key.revokedAt ??= now.toISOString()
        return key !== undefined
      }),
    importLegacy: (token, now) => {
      if (read().keys.some((k) => k.id === 'legacy')) return false
      update((keys) =>
        keys.push({
          id: 'legacy',
          name: 'operator key from secrets.json',
          role: 'admin',
          sha256: sha256(token),
          createdAt: now.toISOString(),
          expiresAt: null,
          revokedAt: null,
          legacy: true,
        }),
      )
      return true
    },
    verify: (token, now): KeyCheck => {
      const { keys, byId } = current()
      const m = TOKEN.exec(token)
      let key: StoredApiKey | undefined
      if (m) {
        const found = byId.get(m[1]!)
        if (found && !found.legacy && sameHash(found.sha256, sha256(m[2]!))) key = found
      } else {
        const hash = sha256(token)
        key = keys.find((k) => k.legacy && sameHash(k.sha256, hash))
      }
      if (!key) return { ok: false, reason: 'unknown' }
      const status = statusOf(key, now)
      if (status !== 'active') return { ok: false, reason: status }
      return { ok: true, principal: { keyId: key.id, name: key.name, role: key.role } }
    },
  }
}

/**
 * Start-up: a pre-`ut_` operator key from `secrets.json` moves into the key file (hashed); a missing key
 * file is created with one admin key, returned once so it can be shown to the operator.
 */
export function prepareApiKeys(
  store: ApiKeyStore,
  legacyToken: string | undefined,
  now: Date,
): { initialAdminKey: string | null; importedLegacy: boolean } {
  const importedLegacy = legacyToken !== undefined && store.importLegacy(legacyToken, now)
  if (store.exists()) return { initialAdminKey: null, importedLegacy }
  const { token } = store.create({ name: 'initial admin', role: 'admin' }, now)
  return { initialAdminKey: token, importedLegacy }
}
