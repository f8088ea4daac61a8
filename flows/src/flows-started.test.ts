import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { waitForFlows } from './flows-started.ts'

describe('waitForFlows', () => {
  it('resolves ok on flows:started and unsubscribes', async () => {
    const events = new EventEmitter()
    const outcome = waitForFlows(events)
    events.emit('runtime-event', { id: 'runtime-state', retain: true }) // after loadFlows: no verdict yet
    events.emit('runtime-event', {
      id: 'runtime-state',
      payload: { type: 'warning', error: 'credentials_load_failed' },
    })
    events.emit('flows:started', {})
    await expect(outcome).resolves.toEqual({ ok: true })
    expect(events.listenerCount('flows:started') + events.listenerCount('runtime-event')).toBe(0)
  })

  it('reports why flows did not start', async () => {
    const events = new EventEmitter()
    const outcome = waitForFlows(events)
    events.emit('runtime-event', {
      id: 'runtime-state',
      payload: { state: 'stop', error: 'missing-types', types: ['foo'] },
    })
    await expect(outcome).resolves.toEqual({ ok: false, reason: 'missing-types' })
  })

  it('gives up when aborted', async () => {
    const events = new EventEmitter()
    const abort = new AbortController()
    const outcome = waitForFlows(events, abort.signal)
    abort.abort()
    await expect(outcome).resolves.toEqual({ ok: false, reason: 'aborted' })
    expect(events.listenerCount('runtime-event')).toBe(0)
  })
})
