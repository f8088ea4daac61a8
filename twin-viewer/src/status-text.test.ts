import { describe, expect, it } from 'vitest'
import { ContainerLayer } from '@urbantwin/model'
import { sampleLayer } from './data/container-layer.fixture.ts'
import { initialContainerState, nextContainerState } from './data/container-state.ts'
import { statusKind, statusText } from './status-text.ts'

const layer = ContainerLayer.parse(sampleLayer)
const at = new Date('2026-01-15T09:42:00Z') // 10:42 in Munich

describe('statusText', () => {
  it('says loading before the first answer', () => {
    expect(statusKind(initialContainerState)).toBe('loading')
    expect(statusText('en', initialContainerState, 5000)).toBe('Loading containers…')
  })

  it('counts containers and shows the update time', () => {
    const s = nextContainerState(initialContainerState, { ok: true, value: layer }, at)
    expect(statusKind(s)).toBe('ok')
    expect(statusText('en', s, 5000)).toBe('2 containers, updated 10:42')
    expect(statusText('de', s, 5000)).toBe('2 Container, aktualisiert 10:42')
  })

  it('reports an error, with the last good data when there is some', () => {
    const failed = nextContainerState(initialContainerState, { ok: false, reason: 'HTTP 404' }, at)
    expect(statusKind(failed)).toBe('error')
    expect(statusText('en', failed, 5000)).toBe(
      'Containers could not be loaded (HTTP 404). Retrying every 5 s.',
    )
    const ok = nextContainerState(initialContainerState, { ok: true, value: layer }, at)
    const stale = nextContainerState(ok, { ok: false, reason: 'HTTP 502' }, new Date())
    expect(statusText('de', stale, 5000)).toBe(
      'Aktualisierung fehlgeschlagen (HTTP 502). Angezeigt: 2 Container von 10:42.',
    )
  })
})
