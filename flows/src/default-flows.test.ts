import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultFlowsFile, installDefaultFlows } from './default-flows.ts'

type FlowNode = { id: string; type: string; z?: string; wires?: string[][]; [key: string]: unknown }

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'urbantwin-flows-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

describe('installDefaultFlows', () => {
  it('creates userDir and copies the shipped flow on first start', async () => {
    const userDir = join(await tempDir(), 'node-red')
    expect(await installDefaultFlows(userDir)).toBe(true)
    expect(await readFile(join(userDir, 'flows.json'), 'utf8')).toBe(await readFile(defaultFlowsFile, 'utf8'))
  })

  it("never overwrites an operator's flows", async () => {
    const userDir = await tempDir()
    await writeFile(join(userDir, 'flows.json'), '[]')
    expect(await installDefaultFlows(userDir)).toBe(false)
    expect(await readFile(join(userDir, 'flows.json'), 'utf8')).toBe('[]')
  })
})

describe('the shipped flow', () => {
  it('wires observation in → switch ≥ 80 → change → debug on the "Container alerts" tab', async () => {
    const nodes = JSON.parse(await readFile(defaultFlowsFile, 'utf8')) as FlowNode[]
    const byType = (type: string): FlowNode => {
      const found = nodes.filter((n) => n.type === type)
      expect(found).toHaveLength(1)
      return found[0]!
    }
    const tab = byType('tab')
    const source = byType('urbantwin-observation-in')
    const gate = byType('switch')
    const build = byType('change')
    const sink = byType('debug')

    expect(tab.label).toBe('Container alerts')
    expect(nodes.filter((n) => n.type !== 'tab').every((n) => n.z === tab.id)).toBe(true)
    expect(source).toMatchObject({ kind: 'clothing-container', key: 'fillingLevel', wires: [[gate.id]] })
    expect(gate).toMatchObject({
      property: 'payload',
      rules: [{ t: 'gte', v: '80', vt: 'num' }],
      wires: [[build.id]],
    })
    expect(build).toMatchObject({ rules: [{ t: 'set', p: 'payload', tot: 'jsonata' }], wires: [[sink.id]] })
    expect(sink).toMatchObject({
      name: 'Container above 80 %',
      tosidebar: true,
      console: true,
      tostatus: true,
    })
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length)
  })
})
