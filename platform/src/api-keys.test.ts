import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { API_KEYS_FILE, openApiKeyStore, prepareApiKeys } from './api-keys.ts'

const NOW = new Date('2026-11-23T08:00:00Z')
const later = (ms: number) => new Date(NOW.getTime() + ms)

describe('the API key file', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-keys-'))
    dirs.push(dir)
    return openApiKeyStore(join(dir, API_KEYS_FILE))
  }

  it('issues ut_<id>_<secret> tokens, keeps only their SHA-256 (file mode 0600) and verifies them', () => {
    const keys = fresh()
    const { id, token } = keys.create({ name: 'portal', role: 'reader' }, NOW)
    expect(token).toMatch(new RegExp(`^ut_${id}_[A-Za-z0-9_-]{43}$`))
    const file = readFileSync(keys.path, 'utf8')
    expect(file).not.toContain(token.slice(`ut_${id}_`.length))
    expect(statSync(keys.path).mode & 0o777).toBe(0o600)
    expect(keys.verify(token, NOW)).toEqual({
      ok: true,
      principal: { keyId: id, name: 'portal', role: 'reader' },
    })
    // a wrong secret under a known id, an unknown id, garbage: all unknown
    expect(keys.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, NOW)).toEqual({
      ok: false,
      reason: 'unknown',
    })
    expect(keys.verify(`ut_000000000000_${token.slice(-43)}`, NOW)).toMatchObject({
      ok: false,
      reason: 'unknown',
    })
    expect(keys.verify('', NOW)).toMatchObject({ ok: false, reason: 'unknown' })
  })

  it('refuses revoked and expired keys and lists keys without secrets or hashes', () => {
    const keys = fresh()
    const a = keys.create({ name: 'ops', role: 'operator' }, NOW)
    const b = keys.create({ name: 'sensor', role: 'device', expiresAt: later(60_000) }, NOW)
    expect(keys.verify(b.token, later(59_999)).ok).toBe(true)
    expect(keys.verify(b.token, later(60_000))).toEqual({ ok: false, reason: 'expired' })
    expect(keys.revoke(a.id, later(1))).toBe(true)
    expect(keys.revoke('ffffffffffff', later(1))).toBe(false)
    expect(keys.verify(a.token, later(2))).toEqual({ ok: false, reason: 'revoked' })
    const listed = keys.list(later(120_000))
    expect(listed.map((k) => [k.id, k.role, k.status])).toEqual([
      [a.id, 'operator', 'revoked'],
      [b.id, 'device', 'expired'],
    ])
    expect(JSON.stringify(listed)).not.toMatch(/sha256|[0-9a-f]{64}/)
  })

  it('sees keys added and revoked by another process (another store on the same file) at once', () => {
    const platform = fresh()
    const cli = openApiKeyStore(platform.path)
    expect(platform.verify('ut_000000000000_' + 'A'.repeat(43), NOW).ok).toBe(false) // caches the empty file
    const { id, token } = cli.create({ name: 'late', role: 'operator' }, NOW)
    expect(platform.verify(token, NOW).ok).toBe(true)
    cli.revoke(id, NOW)
    expect(platform.verify(token, NOW)).toEqual({ ok: false, reason: 'revoked' })
  })

  it('fails loudly on a damaged file instead of accepting keys', () => {
    const keys = fresh()
    writeFileSync(keys.path, '{"version":1,"keys":[{"id":"x"}]}')
    expect(() => keys.verify('anything', NOW)).toThrow(/not a valid API key file/)
  })

  it('creates the file with one admin key on first start, and never again', () => {
    const keys = fresh()
    const first = prepareApiKeys(keys, undefined, NOW)
    expect(first.importedLegacy).toBe(false)
    expect(keys.verify(first.initialAdminKey!, NOW)).toMatchObject({ ok: true, principal: { role: 'admin' } })
    expect(prepareApiKeys(keys, undefined, NOW)).toEqual({ initialAdminKey: null, importedLegacy: false })
    expect(keys.list(NOW)).toHaveLength(1)
  })

  it('keeps a legacy operator key of secrets.json working as admin, stored hashed, once', () => {
    const keys = fresh()
    const legacy = 'Zx3-legacy-operator-key-0123456789abc'
    expect(prepareApiKeys(keys, legacy, NOW)).toEqual({ initialAdminKey: null, importedLegacy: true })
    expect(prepareApiKeys(keys, legacy, NOW)).toEqual({ initialAdminKey: null, importedLegacy: false })
    expect(readFileSync(keys.path, 'utf8')).not.toContain(legacy)
    expect(keys.verify(legacy, NOW)).toEqual({
      ok: true,
      principal: { keyId: 'legacy', name: 'operator key from secrets.json', role: 'admin' },
    })
    expect(keys.verify(legacy + 'x', NOW).ok).toBe(false)
    keys.revoke('legacy', NOW)
    expect(keys.verify(legacy, NOW)).toEqual({ ok: false, reason: 'revoked' })
  })
})
