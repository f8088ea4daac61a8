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
  it('wires observation in → full = ≥ 80 → on change per container → became full → change → debug', async () => {
    const nodes = JSON.parse(await readFile(defaultFlowsFile, 'utf8')) as FlowNode[]
    const byId = new Map(nodes.map((n) => [n.id, n]))
    const byType = (type: string): FlowNode[] => nodes.filter((n) => n.type === type)
    const one = (type: string): FlowNode => {
      expect(byType(type)).toHaveLength(1)
      return byType(type)[0]!
    }
    const next = (n: FlowNode, output = 0): FlowNode => byId.get(n.wires![output]![0]!)!
    const tab = one('tab')
    const source = one('urbantwin-observation-in')
    expect(tab.label).toBe('Container alerts')
    expect(nodes.filter((n) => n.type !== 'tab').every((n) => n.z === tab.id)).toBe(true)
    expect(source).toMatchObject({ kind: 'clothing-container', key: 'fillingLevel' })

    // a change node, not a switch: Node-RED's switch handles one msg per event-loop turn from a queue
    // that is shifted (O(n)), which under ingest load cost ~8 % of the platform's CPU
    const gate = next(source)
    expect(gate).toMatchObject({
      type: 'change',
      rules: [{ t: 'set', p: 'full', pt: 'msg', to: 'payload >= 80', tot: 'jsonata' }],
    })
    const edge = next(gate)
    // per msg.topic (urbantwin/<deviceId>/fillingLevel): each container has its own state
    expect(edge).toMatchObject({ type: 'rbe', func: 'rbe', property: 'full', septopics: true, topi: 'topic' })
    const crossed = next(edge)
    expect(crossed).toMatchObject({ type: 'switch', property: 'full', rules: [{ t: 'true' }] })
    const build = next(crossed)
    expect(build).toMatchObject({ type: 'change', rules: [{ t: 'set', p: 'payload', tot: 'jsonata' }] })
    const sink = next(build)
    expect(sink).toMatchObject({
      type: 'debug',
      name: 'Container above 80 %',
      tosidebar: true,
      console: true,
      tostatus: true,
    })
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length)
  })
})
