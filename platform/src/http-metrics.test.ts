import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { routeOf } from './http-metrics.ts'

describe('route families of the HTTP latency histogram', () => {
  it('names SensorThings sets and API families without ids', () => {
    expect(routeOf('/v1.1/Things(7)/Datastreams')).toBe('/v1.1/Things')
    expect(routeOf('/v1.1/Datastreams(12)/Observations')).toBe('/v1.1/Datastreams')
    expect(routeOf('/v1.1')).toBe('/v1.1')
    expect(routeOf('/api/mqtt/accounts/c-1/rotate')).toBe('/api/mqtt')
    expect(routeOf('/api/layers/containers')).toBe('/api/layers')
    expect(routeOf('/metrics')).toBe('/metrics')
    expect(routeOf('/')).toBe('/')
    expect(routeOf('/assets/index-abc.js')).toBe('/')
    expect(routeOf('/v1.1/Nonsense(1)')).toBe('other')
    expect(routeOf('/wp-login.php')).toBe('other')
  })
  it('keeps the label set bounded whatever the path (property)', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(fc.webPath(), (p) => {
        seen.add(routeOf(p))
      }),
      { numRuns: 5000 },
    )
    expect(seen.size).toBeLessThanOrEqual(25)
  })
})
