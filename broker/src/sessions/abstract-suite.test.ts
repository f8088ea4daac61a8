import assert from 'node:assert' // node:test's t.assert: the top-level (legacy) functions
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { openSessionStore, type SessionStore } from './journal.ts'

/**
 * aedes-persistence's own test suite for persistences (abstract.js, written for node:test), run against the
 * journalled session store: the behaviour aedes relies on, from the package that defines it.
 */
const require = createRequire(import.meta.url)
const abstractPersistence = require('aedes-persistence/abstract.js') as (opts: {
  test: (name: string, fn: (t: NodeTestContext) => Promise<void>) => void
  persistence: () => Promise<unknown>
  testAsync: true
}) => void

type NodeTestContext = {
  assert: typeof assert
  plan: (n: number) => void
  diagnostic: (msg: string) => void
}

const dir = mkdtempSync(join(tmpdir(), 'urbantwin-sessions-'))
const stores: SessionStore[] = []
afterAll(async () => {
  for (const s of stores) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

/** node:test's context as far as abstract.js uses it; `plan` counts the assertions made. */
function context(): { t: NodeTestContext; planned: () => number | undefined; made: () => number } {
  let planned: number | undefined
  let made = 0
  const counting = new Proxy(assert, {
    get(target, prop) {
      const fn = Reflect.get(target, prop) as unknown
      if (typeof fn !== 'function') return fn
      return (...args: unknown[]) => {
        made++
        return (fn as (...a: unknown[]) => unknown)(...args)
      }
    },
  })
  return {
    t: { assert: counting, plan: (n) => (planned = n), diagnostic: () => {} },
    planned: () => planned,
    made: () => made,
  }
}

let n = 0
abstractPersistence({
  testAsync: true,
  persistence: async () => {
    const store = await openSessionStore({ path: join(dir, `s${n++}.journal`), log: silentLogger, syncMs: 0 })
    stores.push(store)
    return store.persistence
  },
  test: (name, fn) =>
    it(name, async () => {
      const { t, planned, made } = context()
      await fn(t)
      const plan = planned()
      if (plan !== undefined) assert.equal(made(), plan, `planned ${plan} assertions`)
    }),
})
