import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NO_SIMULATION, eventually, secretsOf, startPlatformProcess, tempDataDir } from '../src/index.ts'

type Collection = { value: { result: unknown; '@iot.id': number }[]; '@iot.count'?: number }

describe('the platform process stops cleanly on SIGTERM and its data survives a restart', () => {
  const tmp = tempDataDir()
  afterAll(() => tmp.remove())

  it('keeps observations, Things and secrets across a restart, and says first-start things only once', async () => {
    const first = await startPlatformProcess({
      dataDir: tmp.dir,
      env: { SIM_CONTAINERS: '2', SIM_ACCESS_POINTS: '0', SIM_SURVEYS: '0', SIM_SPEED: '14400' },
    })
    const secretsFile = join(first.dataDir, 'secrets.json')
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600)
    // stderr is a separate pipe: wait for the one-time notice instead of assuming its order
    await eventually(
      async () => (/Admin API key .*: ut_/.test(first.stderr.join('\n')) ? true : undefined),
      'notice',
    )
    expect(first.stderr.join('\n')).toMatch(/First start: Node-RED editor login/)
    const { apiAdminKey } = secretsOf(first)
    expect(first.stderr.join('\n')).toContain(apiAdminKey)
    const secretsBefore = readFileSync(secretsFile, 'utf8')
    const stored = await eventually(async () => {
      const res = await fetch(`${first.base}/v1.1/Datastreams(1)/Observations?$count=true`)
      const c = (await res.json()) as Collection
      return (c['@iot.count'] ?? 0) >= 2 ? c : undefined
    }, 'two stored observations')
    const code = await first.stop('SIGTERM')
    expect(code).toBe(0)
    expect(first.logs.some((l) => l.msg === 'platform stopped')).toBe(true)
    expect(existsSync(join(first.dataDir, 'urbantwin.duckdb'))).toBe(true)

    const second = await startPlatformProcess({
      dataDir: tmp.dir,
      env: {
        ...NO_SIMULATION,
        API_RATE_LIMIT_PER_MINUTE: '100',
        API_CORS_ORIGINS: 'https://portal.example.org',
      },
    })
    try {
      expect(second.stderr.join('\n')).not.toMatch(/First start|Admin API key/)
      const quarantine = `${second.base}/api/quarantine`
      expect((await fetch(quarantine, { headers: { authorization: `Bearer ${apiAdminKey}` } })).status).toBe(
        200,
      )
      expect((await fetch(quarantine)).status).toBe(401)
      expect(readFileSync(secretsFile, 'utf8')).toBe(secretsBefore)
      const res = await fetch(`${second.base}/v1.1/Datastreams(1)/Observations?$count=true&$top=1000`)
      const after = (await res.json()) as Collection
      expect(after['@iot.count']).toBeGreaterThanOrEqual(stored['@iot.count']!)
      const ids = new Set(after.value.map((o) => o['@iot.id']))
      for (const o of stored.value) expect(ids.has(o['@iot.id'])).toBe(true)
      // the API settings reach the running API
      const thingsRes = await fetch(`${second.base}/v1.1/Things?$count=true`, {
        headers: { origin: 'https://portal.example.org' },
      })
      expect(thingsRes.headers.get('ratelimit-policy')).toBe('100;w=60')
      expect(thingsRes.headers.get('access-control-allow-origin')).toBe('https://portal.example.org')
      const things = (await thingsRes.json()) as Collection
      expect(things['@iot.count']).toBe(2)
      // Node-RED runs on the main thread, the public port on the data thread: the editor is reached through it
      const editor = await fetch(`${second.base}/flows/`)
      expect(editor.status).toBe(200)
      expect(await editor.text()).toMatch(/<title>[^<]+<\/title>/)
      const login = (await (await fetch(`${second.base}/flows/auth/login`)).json()) as { type?: string }
      expect(login.type).toBe('credentials')
      // ingest's counters come from the main thread too
      const health = (await (await fetch(`${second.base}/api/health`)).json()) as { ingest?: { received?: number } }
      expect(health.ingest?.received).toEqual(expect.any(Number))
    } finally {
      expect(await second.stop('SIGINT')).toBe(0)
    }
  }, 120_000)
})
