import { describe, expect, it } from 'vitest'
import { ContainerLayer } from '@urbantwin/model'
import { initialContainerState, nextContainerState } from './container-state.ts'
import { sampleLayer } from './container-layer.fixture.ts'

const layer = ContainerLayer.parse(sampleLayer)
const t0 = new Date('2026-01-15T09:42:00Z')
const t1 = new Date('2026-01-15T09:42:05Z')

describe('nextContainerState', () => {
  it('takes the first layer', () => {
    const s = nextContainerState(initialContainerState, { ok: true, value: layer }, t0)
    expect(s).toMatchObject({ layer, updatedAt: t0, error: null })
  })

  it('keeps the same layer object when the content did not change', () => {
    const s0 = nextContainerState(initialContainerState, { ok: true, value: layer }, t0)
    const s1 = nextContainerState(s0, { ok: true, value: structuredClone(layer) }, t1)
    expect(s1.layer).toBe(s0.layer)
    expect(s1.updatedAt).toBe(t1)
  })

  it('replaces the layer when a fill level changed', () => {
    const s0 = nextContainerState(initialContainerState, { ok: true, value: layer }, t0)
    const changed = structuredClone(layer)
    changed.features[0]!.properties.fillLevel = 90 // the sample has a first feature
    const s1 = nextContainerState(s0, { ok: true, value: changed }, t1)
    expect(s1.layer).toBe(changed)
  })

  it('keeps the last good layer and its time when a poll fails', () => {
    const s0 = nextContainerState(initialContainerState, { ok: true, value: layer }, t0)
    const s1 = nextContainerState(s0, { ok: false, reason: 'HTTP 502' }, t1)
    expect(s1).toMatchObject({ layer: s0.layer, updatedAt: t0, error: 'HTTP 502' })
  })
})
