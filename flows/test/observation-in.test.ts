/**
 * `urbantwin-observation-in` in a real Node-RED runtime started by node-red-node-test-helper.
 * Both are CommonJS and loaded through Node's own require (the helper does not unwrap `default`).
 */
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ObservationEvent } from '@urbantwin/model'

type FlowNode = { id: string; type: string; [key: string]: unknown }
type Msg = { topic?: string; payload?: unknown; observation?: ObservationEvent }
/** Node.prototype.error is a sinon spy under the helper. */
type RuntimeNode = EventEmitter & { error: { callCount: number; args: unknown[][] } }
/** The part of node-red-node-test-helper 0.3.6 (index.js) used here. */
type NodeTestHelper = {
  init(runtimePath: string): void
  settings(userSettings: object): object
  startServer(done: (err?: unknown) => void): void
  stopServer(done: (err?: unknown) => void): void
  load(node: unknown, flow: FlowNode[]): Promise<void>
  unload(): Promise<void>
  getNode(id: string): RuntimeNode
}

const require = createRequire(import.meta.url)
const helper = require('node-red-node-test-helper') as NodeTestHelper
const observationIn: unknown = require('../nodes/observation-in.cjs')
helper.init(require.resolve('node-red'))

function observation(over: Partial<ObservationEvent> = {}): ObservationEvent {
  return {
    deviceId: 'clothing-007',
    kind: 'clothing-container',
    thingId: 7,
    datastreamId: 21,
    key: 'fillingLevel',
    result: 91,
    phenomenonTime: '2026-11-23T08:00:00.000Z',
    ...over,
  }
}

/** n1 = the node under test (config merged in), n2 = a helper node collecting what n1 sends. */
function flow(config: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: 'n1', type: 'urbantwin-observation-in', name: 'in', wires: [['n2']], ...config },
    { id: 'n2', type: 'helper' },
  ]
}

async function start(feed: EventEmitter | null, config: Record<string, unknown> = {}): Promise<Msg[]> {
  helper.settings(feed ? { urbantwin: { observations: feed } } : { urbantwin: undefined })
  await helper.load(observationIn, flow(config))
  const received: Msg[] = []
  helper.getNode('n2').on('input', (msg: Msg) => received.push(msg))
  return received
}

describe('urbantwin-observation-in', () => {
  beforeEach(
    () => new Promise<void>((resolve, reject) => helper.startServer((e) => (e ? reject(e) : resolve()))),
  )
  afterEach(async () => {
    await helper.unload()
    await new Promise<void>((resolve, reject) => helper.stopServer((e) => (e ? reject(e) : resolve())))
  })

  it('emits one msg per observation: payload = result, topic = urbantwin/<device>/<key>', async () => {
    const feed = new EventEmitter()
    const received = await start(feed)
    const event = observation()
    feed.emit('observation', event)
    await vi.waitFor(() => expect(received).toHaveLength(1))
    expect(received[0]).toMatchObject({
      payload: 91,
      topic: 'urbantwin/clothing-007/fillingLevel',
      observation: event,
    })
    expect(received[0]!.observation).not.toBe(event) // a copy: downstream nodes cannot alter the platform's event
  })

  it('passes only the configured kind and key', async () => {
    const feed = new EventEmitter()
    const received = await start(feed, { kind: 'clothing-container', key: 'fillingLevel' })
    feed.emit('observation', observation({ deviceId: 'other-kind', kind: 'parking-sensor' }))
    feed.emit('observation', observation({ deviceId: 'other-key', key: 'temperature', result: 12 }))
    feed.emit('observation', observation({ deviceId: 'wanted' }))
    // Sends are delivered in order: once the last one arrived, the earlier ones would have too.
    await vi.waitFor(() => expect(received.map((m) => m.observation?.deviceId)).toContain('wanted'))
    expect(received.map((m) => m.observation?.deviceId)).toEqual(['wanted'])
  })

  it('treats empty filters as "everything"', async () => {
    const feed = new EventEmitter()
    const received = await start(feed, { kind: '', key: '  ' })
    feed.emit('observation', observation({ kind: 'parking-sensor', key: 'occupied', result: true }))
    await vi.waitFor(() => expect(received).toHaveLength(1))
    expect(received[0]).toMatchObject({ payload: true, topic: 'urbantwin/clothing-007/occupied' })
  })

  it('unsubscribes from the feed when the flow stops', async () => {
    const feed = new EventEmitter()
    await start(feed)
    expect(feed.listenerCount('observation')).toBe(1)
    await helper.unload()
    expect(feed.listenerCount('observation')).toBe(0)
  })

  it('reports an error, and does not subscribe, when the feed is missing', async () => {
    await start(null)
    await vi.waitFor(() => expect(helper.getNode('n1').error.callCount).toBe(1))
    expect(String(helper.getNode('n1').error.args[0]?.[0])).toContain('settings.urbantwin.observations')
  })

  it('rejects a filter that is not an id', async () => {
    const feed = new EventEmitter()
    await start(feed, { kind: 'clothing container' })
    await vi.waitFor(() => expect(helper.getNode('n1').error.callCount).toBe(1))
    expect(String(helper.getNode('n1').error.args[0]?.[0])).toContain('kind may only contain')
    expect(feed.listenerCount('observation')).toBe(0)
  })
})
