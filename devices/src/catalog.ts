import type { DeviceKind } from './kind.ts'
import { clothingContainer } from './kinds/clothing-container/index.ts'
import { hotspotSurvey } from './kinds/hotspot-survey/index.ts'
import { wlanAccessPoint } from './kinds/wlan-access-point/index.ts'

/** All device kinds the platform understands, by id. */
export const deviceKinds: ReadonlyMap<string, DeviceKind> = new Map([
  [clothingContainer.id, clothingContainer],
  [wlanAccessPoint.id, wlanAccessPoint],
  [hotspotSurvey.id, hotspotSurvey],
])

export function deviceKind(id: string): DeviceKind | undefined {
  return deviceKinds.get(id)
}
