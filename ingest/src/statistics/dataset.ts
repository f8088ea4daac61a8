import type {
  DisaggregationInput,
  LocationGeometry,
  ObservationType,
  ObservedProperty,
  Sensor,
  UnitOfMeasurement,
} from '@urbantwin/model'

/**
 * A statistical dataset as the importer writes it: areas (each a Thing with its area as Location and
 * FeatureOfInterest) and yearly MultiDatastreams per area. Built from files by a source module
 * (munich.ts), written idempotently by publish.ts.
 */

export type StatisticalArea = {
  /** Stable key, kept in the Thing's `properties.statisticalArea.key`, e.g. `munich:sb:05`. */
  key: string
  name: string
  description: string
  properties: Record<string, unknown>
  location: {
    name: string
    description: string
    geometry: LocationGeometry
    properties?: Record<string, unknown>
  }
}

export type YearlyValues = { year: number; result: (number | null)[] }

export type StatisticalStream = {
  /** Stable key, kept in `properties.key`, e.g. `munich:population:sb:05`. */
  key: string
  areaKey: string
  name: string
  description: string
  sensor: Sensor
  observedProperties: ObservedProperty[]
  units: UnitOfMeasurement[]
  types: ObservationType[]
  disaggregation: DisaggregationInput
  properties: Record<string, unknown>
  values: YearlyValues[]
}

export type StatisticalDataset = {
  /** Names the dataset in logs and in the import marker. */
  id: string
  areas: StatisticalArea[]
  streams: StatisticalStream[]
  /** When the values were published (the Observations' resultTime). */
  publishedAt: string
  /** When in a year its value holds (the Observations' phenomenonTime): the reference day. */
  referenceDay: (year: number) => string
}
