import type { ContainerSite } from './sites.ts'
import { createRng } from './rng.ts'

export type SimulatedContainer = {
  deviceId: string
  name: string
  address: string | null
  lon: number
  lat: number
}

/**
 * `count` containers at distinct real sites, chosen by a seeded shuffle; a site with several
 * containers contributes one device per container (numbered `-1`, `-2`, …) up to `count`.
 */
export function containerFleet(
  sites: readonly ContainerSite[],
  opts: { count: number; seed: number },
): SimulatedContainer[] {
  const rng = createRng(opts.seed)
  const order = sites.map((s) => s)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const fleet: SimulatedContainer[] = []
  for (const site of order) {
    for (let n = 1; n <= site.containers && fleet.length < opts.count; n++) {
      fleet.push({
        deviceId: `awm-${site.siteId}-${n}`,
        name: `Altkleidercontainer ${site.address ?? site.siteId} #${n}`,
        address: site.address,
        lon: site.lon,
        lat: site.lat,
      })
    }
    if (fleet.length >= opts.count) break
  }
  return fleet
}
