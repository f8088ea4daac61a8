import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { clothingContainer } from '@urbantwin/devices'
import {
  WERTSTOFFINSELN_PATH,
  containerFleet,
  containerSites,
  createRng,
  initialState,
  reading,
  step,
} from '../src/index.ts'

const sites = containerSites(JSON.parse(readFileSync(WERTSTOFFINSELN_PATH, 'utf8')))

describe('container fleet at real Munich sites', () => {
  it('finds the 575 AWM recycling islands with used-clothing containers, all inside Munich', () => {
    expect(sites).toHaveLength(575)
    for (const s of sites) {
      expect(s.lon).toBeGreaterThan(11.36)
      expect(s.lon).toBeLessThan(11.73)
      expect(s.lat).toBeGreaterThan(48.06)
      expect(s.lat).toBeLessThan(48.25)
      expect(s.containers).toBeGreaterThan(0)
    }
  })

  it('places the same fleet for the same seed and a different one for another seed', () => {
    const a = containerFleet(sites, { count: 12, seed: 7 })
    expect(a).toEqual(containerFleet(sites, { count: 12, seed: 7 }))
    expect(a).not.toEqual(containerFleet(sites, { count: 12, seed: 8 }))
    expect(new Set(a.map((d) => d.deviceId)).size).toBe(12)
    const site = sites.find((s) => a[0]!.deviceId.startsWith(`awm-${s.siteId}-`))
    expect(site).toBeDefined()
    expect([a[0]!.lon, a[0]!.lat]).toEqual([site!.lon, site!.lat])
  })

  it('respects the number of containers per site', () => {
    const all = containerFleet(sites, { count: 100_000, seed: 1 })
    expect(all).toHaveLength(sites.reduce((n, s) => n + s.containers, 0))
  })

  it('produces readings the device codec accepts, with fill staying in 0..1 (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 300 }), (seed, steps) => {
        const rng = createRng(seed)
        let s = initialState(rng)
        for (let i = 0; i < steps; i++) s = step(s, rng)
        const payload = new TextEncoder().encode(JSON.stringify(reading(s, rng, new Date(0))))
        return clothingContainer.decode(payload).ok && s.fill >= 0 && s.fill <= 1
      }),
      { numRuns: 50 },
    )
  })

  it('empties full containers eventually (collections happen)', () => {
    const rng = createRng(3)
    let s = { fill: 0.99, battery: 1, temperature: 10 }
    let emptied = false
    for (let i = 0; i < 50 && !emptied; i++) {
      s = step(s, rng)
      emptied = s.fill < 0.1
    }
    expect(emptied).toBe(true)
  })
})
