import { ok } from '@urbantwin/model'
import type { DeviceKind, Reading } from '../../kind.ts'
import { parseJsonPayload } from '../../json-payload.ts'
import { DEGREE_CELSIUS, PERCENT } from '../../units.ts'
import { ClothingContainerPayload } from './payload.ts'

const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement' as const

/** Rounds a 0..1 ratio to a percentage with 0.1 % resolution. */
function percent(ratio: number): number {
  return Math.round(ratio * 1000) / 10
}

export const clothingContainer: DeviceKind = {
  id: 'clothing-container',
  name: 'Used-clothing container',
  description:
    'Smart used-clothing container (Altkleidercontainer, waste code 20 01 10) with a fill-level sensor',
  sensor: {
    name: 'Container fill-level sensor',
    description: 'Ultrasonic fill-level sensor with temperature and battery reporting',
    encodingType: 'text/html',
    metadata: 'https://smartdatamodels.org/dataModel.WasteManagement/WasteContainer',
  },
  datastreams: [
    {
      key: 'fillingLevel',
      name: 'Fill level',
      description: 'How full the container is',
      unitOfMeasurement: PERCENT,
      observationType: MEASUREMENT,
      observedProperty: {
        name: 'Filling level',
        definition: 'https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel',
        description: 'Share of the container volume that is filled',
      },
    },
    {
      key: 'temperature',
      name: 'Temperature',
      description: 'Air temperature inside the container',
      unitOfMeasurement: DEGREE_CELSIUS,
      observationType: MEASUREMENT,
      observedProperty: {
        name: 'Temperature',
        definition: 'https://smartdatamodels.org/temperature',
        description: 'Air temperature',
      },
    },
    {
      key: 'batteryLevel',
      name: 'Battery level',
      description: 'Charge of the sensor battery',
      unitOfMeasurement: PERCENT,
      observationType: MEASUREMENT,
      observedProperty: {
        name: 'Battery level',
        definition: 'https://smartdatamodels.org/dataModel.Device/batteryLevel',
        description: 'Remaining battery charge',
      },
    },
  ],
  decode(payload) {
    const parsed = parseJsonPayload(payload, ClothingContainerPayload)
    if (!parsed.ok) return parsed
    const p = parsed.value
    const at = p.time === undefined ? {} : { phenomenonTime: new Date(p.time).toISOString() }
    const readings: Reading[] = []
    if (p.fillingLevel !== undefined)
      readings.push({ key: 'fillingLevel', result: percent(p.fillingLevel), ...at })
    if (p.temperature !== undefined) readings.push({ key: 'temperature', result: p.temperature, ...at })
    if (p.batteryLevel !== undefined)
      readings.push({ key: 'batteryLevel', result: percent(p.batteryLevel), ...at })
    return ok(readings)
  },
}

export { ClothingContainerPayload }
