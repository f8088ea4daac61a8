import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDuckDbStore } from '@urbantwin/store'
import { loadConfig } from '../src/config.ts'
import { importCommand } from '../src/import-command.ts'
import { IMPORTS_FILE } from '../src/statistics.ts'

/** `urbantwin import munich-statistics` on a real store file in a fresh data directory. */
describe('urbantwin import munich-statistics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ut-import-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  async function run(...args: string[]) {
    let out = ''
    let err = ''
    process.exitCode = undefined
    const cmd = importCommand({
      config: () => loadConfig({ DATA_DIR: dir }),
      out: (t) => (out += t),
      err: (t) => (err += t),
    })
    await cmd.parseAsync(['munich-statistics', '--data-dir', dir, ...args], { from: 'user' })
    const code = process.exitCode
    process.exitCode = undefined
    return { out, err, code }
  }

  it('imports and derives once, finds everything again, and says what it did', async () => {
    const first = await run()
    expect(first.code).toBeUndefined()
    expect(first.err).toBe('')
    expect(first.out).toContain('areas: 26 created, 0 existing')
    expect(first.out).toContain('MultiDatastreams: 364 created, 0 existing')
    expect(first.out).toContain('Observations: 7800 created, 0 revised, 0 unchanged')
    expect(first.out).toMatch(/share of women and gender gaps: 390 streams created, 0 existing/)
    expect(first.out).toMatch(/residents per WLAN access point and per container: 52 streams created/)
    const imports = JSON.parse(readFileSync(join(dir, IMPORTS_FILE), 'utf8')) as Record<string, unknown>
    expect(Object.keys(imports).sort()).toEqual(['derived-indicators', 'munich-statistics'])

    const onlyIfChanged = await run('--only-if-changed')
    expect(onlyIfChanged.out).toMatch(/^already imported \(version [0-9a-f]{12}\)/)
    expect(onlyIfChanged.out).not.toContain('gender gaps')
    expect(onlyIfChanged.out).toMatch(
      /residents per .*: 0 streams created, 52 existing; Observations 0 created/,
    )

    const forced = await run()
    expect(forced.out).toContain('areas: 0 created, 26 existing')
    expect(forced.out).toContain('Observations: 0 created, 0 revised, 7800 unchanged')
    expect(forced.out).toMatch(
      /gender gaps: 0 streams created, 390 existing; Observations 0 created, 0 revised, \d+ unchanged/,
    )

    const store = await openDuckDbStore({ path: join(dir, 'urbantwin.duckdb') })
    try {
      expect((await store.datastreams({ top: 1, skip: 0, count: true })).count).toBe(390)
      expect((await store.multiDatastreams({ top: 1, skip: 0, count: true })).count).toBe(364 + 52)
    } finally {
      await store.close()
    }
  }, 180_000)
})
