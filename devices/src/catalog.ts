import type { DeviceKind } from './kind.ts'
import { clothingContainer } from './kinds/clothing-container/index.ts'

/** All device kinds the platform understands, by id. */
export const deviceKinds: ReadonlyMap<string, DeviceKind> = new Map([
  [clothingContainer.id, clothingContainer],
])

export function deviceKind(id: string): DeviceKind | undefined {
  return deviceKinds.get(id)
}
