import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openDuckDbStore } from '../src/index.ts'

describe('the embedded store after a crash (kill -9 of the writing process)', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('reopens with everything that was committed, on a fresh and on an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-crash-'))
    dirs.push(dir)
    const path = join(dir, 'urbantwin.duckdb')
    const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))
    for (let round = 0; round < 2; round++) {
      const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), writer, path], {
        encoding: 'utf8',
      })
      expect(r.signal).toBe('SIGKILL')
      const store = await openDuckDbStore({ path })
      try {
        const device = await store.device('crash-1')
        expect(device).not.toBeNull()
        const page = await store.observations(device!.datastreams.fillingLevel!, { top: 100, skip: 0 })
        expect(page.count).toBe(50) // idempotent: the second round's rewrites add nothing
        expect((await store.quarantineCounts()).other).toBe(1)
      } finally {
        await store.close()
      }
    }
  }, 60_000)
})
