import type { ClothingContainerPayload } from '@urbantwin/devices'
import type { Rng } from './rng.ts'

export type ContainerState = { fill: number; battery: number; temperature: number }

export function initialState(rng: Rng): ContainerState {
  return { fill: rng() * 0.9, battery: 0.6 + rng() * 0.4, temperature: 6 + rng() * 8 }
}

/**
 * One simulated step (demo time: about an hour of deposits). Deposits add fill; a full container is
 * emptied by the collection round; the battery drains slowly; the sensor adds ±1 % noise.
 */
export function step(s: ContainerState, rng: Rng): ContainerState {
  const emptied = s.fill > 0.95 && rng() < 0.5
  const fill = emptied ? rng() * 0.03 : Math.min(1, s.fill + rng() * 0.05)
  const battery = Math.max(0, s.battery - rng() * 0.0005)
  const temperature = s.temperature + (rng() - 0.5) * 0.6
  return { fill, battery, temperature }
}

/** What the container's sensor sends (native JSON uplink). */
export function reading(s: ContainerState, rng: Rng, time: Date): ClothingContainerPayload {
  const noisy = Math.min(1, Math.max(0, s.fill + (rng() - 0.5) * 0.02))
  return {
    time: time.toISOString(),
    fillingLevel: Math.round(noisy * 1000) / 1000,
    temperature: Math.round(s.temperature * 10) / 10,
    batteryLevel: Math.round(s.battery * 1000) / 1000,
  }
}
