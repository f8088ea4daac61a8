import type { DeviceProvision } from './ports.ts'

const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement' as const

/** A small container-like device for tests of the store and its consumers (`@urbantwin/store/testing`). */
export function sampleProvision(
  deviceId: string,
  at: { lon?: number; lat?: number; address?: string } = {},
): DeviceProvision {
  const address = at.address ?? `Street ${deviceId}`
  return {
    deviceId,
    kind: 'clothing-container',
    thing: { name: `Container ${deviceId}`, description: 'test container', properties: { address } },
    location: {
      name: address,
      description: 'site',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [at.lon ?? 11.5755, at.lat ?? 48.1374] },
    },
    sensor: {
      name: 'fill sensor',
      description: 'ultrasonic',
      encodingType: 'text/html',
      metadata: 'https://example.org/s',
    },
    datastreams: [
      {
        key: 'fillingLevel',
        name: 'Fill level',
        description: 'fill',
        unitOfMeasurement: {
          name: 'percent',
          symbol: '%',
          definition: 'http://unitsofmeasure.org/ucum.html#para-29',
        },
        observationType: MEASUREMENT,
        observedProperty: {
          name: 'Filling level',
          definition: 'https://example.org/fill',
          description: 'fill',
        },
      },
      {
        key: 'temperature',
        name: 'Temperature',
        description: 'temp',
        unitOfMeasurement: {
          name: 'degree Celsius',
          symbol: 'Cel',
          definition: 'http://unitsofmeasure.org/ucum.html#para-30',
        },
        observationType: MEASUREMENT,
        observedProperty: {
          name: 'Temperature',
          definition: 'https://example.org/temp',
          description: 'temp',
        },
      },
    ],
  }
}

/** The embedded store with its SQL connection, for tests that must change rows no port changes yet. */
export { openDuckDb } from './duckdb/duckdb-store.ts'
