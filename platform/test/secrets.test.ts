import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { INITIAL_CREDENTIALS_FILE, SECRETS_FILE, loadOrCreateSecrets } from '../src/secrets.ts'

describe('secrets generated on first start', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))
  const hash = async (p: string) => `hashed(${p.length})-padding-padding`

  it('creates owner-only files once and reuses them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-secrets-'))
    dirs.push(dir)
    const first = await loadOrCreateSecrets(dir, hash)
    expect(first.firstStart?.nodeRedPassword).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(statSync(join(dir, SECRETS_FILE)).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, INITIAL_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, SECRETS_FILE), 'utf8')).not.toContain(first.firstStart!.nodeRedPassword)
    const second = await loadOrCreateSecrets(dir, hash)
    expect(second).toEqual({ secrets: first.secrets, firstStart: null })
    const third = mkdtempSync(join(tmpdir(), 'ut-secrets-'))
    dirs.push(third)
    expect((await loadOrCreateSecrets(third, hash)).secrets.simulatorPassword).not.toBe(
      first.secrets.simulatorPassword,
    )
    // API keys live hashed in their own file (api-keys.ts), no longer in secrets.json
    expect(first.secrets).not.toHaveProperty('apiAdminKey')
  })
})
