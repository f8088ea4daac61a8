import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '@urbantwin/api'
import { silentLogger } from '@urbantwin/model'
import { openDuckDbStore, type Store } from '@urbantwin/store'
import { API_KEYS_FILE, type ApiKeyStore } from '../src/api-keys.ts'
import { prepareCredentials } from '../src/credentials.ts'
import { INITIAL_CREDENTIALS_FILE, SECRETS_FILE } from '../src/secrets.ts'

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const hash = async (p: string) => `hashed(${p.length})-padding-padding`

/** Runs the real CLI (`npm run urbantwin -- …`) with DATA_DIR set, as an operator would. */
async function urbantwin(dataDir: string, ...args: string[]) {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX, CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    cwd: dataDir,
  })
  return { stdout, stderr }
}

/** The API of the platform on its key file, on 127.0.0.1 and a free port. */
async function serve(store: Store, apiKeys: ApiKeyStore) {
  const app = createApp({
    store,
    log: silentLogger,
    auth: apiKeys,
    devices: {
      register: async (r) => ({
        deviceId: r.deviceId,
        thingId: 1,
        datastreams: {},
        mqtt: { username: r.deviceId, password: 'p', topic: 't' },
      }),
    },
  })
  const server: Server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    register: (token: string) =>
      fetch(`${base}/api/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          deviceId: 'k-1',
          kind: 'clothing-container',
          name: 'K',
          lon: 11.5,
          lat: 48.1,
        }),
      }).then((r) => r.status),
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

describe('API keys of a running platform', () => {
  let store: Store
  const dirs: string[] = []
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ut-apikeys-'))
    dirs.push(d)
    return d
  }
  beforeAll(async () => {
    store = await openDuckDbStore({ path: ':memory:' })
  })
  afterAll(async () => {
    await store.close()
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))
  })

  it('first start makes an admin key shown once; the CLI adds and revokes keys the running API honours at once', async () => {
    const dataDir = tempDir()
    const first = await prepareCredentials(dataDir, hash, new Date())
    const admin = first.firstStart?.adminApiKey
    expect(admin).toMatch(/^ut_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    expect(readFileSync(join(dataDir, INITIAL_CREDENTIALS_FILE), 'utf8')).toContain(admin!)
    expect(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')).not.toContain(admin!)
    const api = await serve(store, first.apiKeys)
    try {
      expect(await api.register(admin!)).toBe(201)

      const created = await urbantwin(
        dataDir,
        'api-key',
        'create',
        '--name',
        'field team',
        '--role',
        'operator',
      )
      const token = created.stdout.trim()
      expect(created.stdout).toMatch(/^ut_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/) // the key alone, once
      expect(created.stderr).not.toContain(token)
      expect(await api.register(token)).toBe(201) // no restart

      const reader = (await urbantwin(dataDir, 'api-key', 'create', '--name', 'portal', '--role', 'reader'))
        .stdout
      expect(await api.register(reader.trim())).toBe(403)

      const file = readFileSync(join(dataDir, API_KEYS_FILE), 'utf8')
      for (const t of [admin!, token, reader.trim()]) expect(file).not.toContain(t.slice(16))
      expect(statSync(join(dataDir, API_KEYS_FILE)).mode & 0o777).toBe(0o600)

      const id = token.slice(3, 15)
      const listed = (await urbantwin(dataDir, 'api-key', 'list')).stdout
      expect(listed).toMatch(new RegExp(`^${id}\\s+operator\\s+active\\s+.*field team$`, 'm'))
      expect(listed).not.toContain(token.slice(16))
      await urbantwin(dataDir, 'api-key', 'revoke', id)
      expect(await api.register(token)).toBe(403)
      expect(await api.register(admin!)).toBe(201)
    } finally {
      await api.close()
    }
    const again = await prepareCredentials(dataDir, hash, new Date())
    expect(again.firstStart).toBeNull()
  }, 60_000)

  it('a data directory from before roles keeps its operator key, now stored hashed', async () => {
    const dataDir = tempDir()
    const legacyKey = 'pre-roles-operator-key-0123456789'
    const old = {
      apiAdminKey: legacyKey,
      simulatorPassword: 'simulator-password-0123456789',
      nodeRed: {
        username: 'admin',
        passwordHash: 'hashed-password-0123456789',
        credentialSecret: 'c'.repeat(32),
      },
    }
    writeFileSync(join(dataDir, SECRETS_FILE), JSON.stringify(old), { mode: 0o600 })
    const started = await prepareCredentials(dataDir, hash, new Date())
    expect(started).toMatchObject({ firstStart: null, movedLegacyKey: true })
    expect(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')).not.toContain(legacyKey)
    expect(readFileSync(join(dataDir, API_KEYS_FILE), 'utf8')).not.toContain(legacyKey)
    const { apiAdminKey: _, ...rest } = old
    expect(started.secrets).toEqual(rest)
    const api = await serve(store, started.apiKeys)
    try {
      expect(await api.register(legacyKey)).toBe(201)
      expect(await api.register('pre-roles-operator-key-wrong')).toBe(403)
    } finally {
      await api.close()
    }
    const restarted = await prepareCredentials(dataDir, hash, new Date())
    expect(restarted).toMatchObject({ firstStart: null, movedLegacyKey: false })
    expect(restarted.apiKeys.verify(legacyKey, new Date())).toMatchObject({
      ok: true,
      principal: { role: 'admin' },
    })
  })
})
