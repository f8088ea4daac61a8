import { z } from 'zod'

/**
 * SensorThings API v1.1 entities (OGC 18-088, section 8.2) as the platform stores and serves them.
 * Property names follow the standard; `@iot.id` is assigned by the store.
 */

export const Id = z.number().int().positive()
export type Id = z.infer<typeof Id>

/** GeoJSON Point, WGS84 lon/lat (RFC 7946). */
export const GeoJsonPoint = z.object({
  type: z.literal('Point'),
  coordinates: z
    .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
    .or(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number()])),
})
export type GeoJsonPoint = z.infer<typeof GeoJsonPoint>

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
/** A closed ring (RFC 7946 3.1.6): at least four positions, the last equal to the first. */
const LinearRing = z
  .array(Position)
  .min(4)
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], {
    message: 'a linear ring ends where it starts',
  })
/** GeoJSON Polygon: an outer ring, then holes (RFC 7946 3.1.6). */
export const GeoJsonPolygon = z.object({
  type: z.literal('Polygon'),
  coordinates: z.array(LinearRing).min(1),
})
export type GeoJsonPolygon = z.infer<typeof GeoJsonPolygon>
export const GeoJsonMultiPolygon = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(LinearRing).min(1)).min(1),
})
export type GeoJsonMultiPolygon = z.infer<typeof GeoJsonMultiPolygon>

/** Where a Location is: a point (devices) or an area (a city district). */
export const LocationGeometry = z.discriminatedUnion('type', [
  GeoJsonPoint,
  GeoJsonPolygon,
  GeoJsonMultiPolygon,
])
export type LocationGeometry = z.infer<typeof LocationGeometry>

/** STA 8.2.1 Thing */
export const Thing = z.object({
  name: z.string().min(1),
  description: z.string(),
  properties: z.record(z.string(), z.unknown()).optional(),
})
export type Thing = z.infer<typeof Thing>

/** STA 8.2.2 Location */
export const Location = z.object({
  name: z.string().min(1),
  description: z.string(),
  encodingType: z.literal('application/geo+json'),
  location: LocationGeometry,
  properties: z.record(z.string(), z.unknown()).optional(),
})
export type Location = z.infer<typeof Location>
/** A Location at a point: where a device is. */
export type PointLocation = Omit<Location, 'location'> & { location: GeoJsonPoint }

/** STA 8.2.4 unitOfMeasurement, with UCUM codes as `symbol` where one exists. */
export const UnitOfMeasurement = z.object({
  name: z.string(),
  symbol: z.string(),
  definition: z.string(),
})
export type UnitOfMeasurement = z.infer<typeof UnitOfMeasurement>

/** STA Table 13: observation types of the O&M 2.0 standard. */
export const ObservationType = z.enum([
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation',
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation',
])
export type ObservationType = z.infer<typeof ObservationType>

/** STA 8.2.5 Sensor */
export const Sensor = z.object({
  name: z.string().min(1),
  description: z.string(),
  encodingType: z.string(),
  metadata: z.string(),
})
export type Sensor = z.infer<typeof Sensor>

/** STA 8.2.6 ObservedProperty */
export const ObservedProperty = z.object({
  name: z.string().min(1),
  definition: z.string(),
  description: z.string(),
})
export type ObservedProperty = z.infer<typeof ObservedProperty>

/** STA 8.2.4 Datastream (without its navigation links). */
export const Datastream = z.object({
  name: z.string().min(1),
  description: z.string(),
  unitOfMeasurement: UnitOfMeasurement,
  observationType: ObservationType,
  properties: z.record(z.string(), z.unknown()).optional(),
})
export type Datastream = z.infer<typeof Datastream>

/** The observationType of every MultiDatastream (STA 8.2.9.1). */
export const COMPLEX_OBSERVATION =
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation'

/**
 * STA 8.2.9 MultiDatastream (without its navigation links): one Sensor observing several
 * ObservedProperties at once; its Observations' results are arrays, one element per ObservedProperty,
 * typed by `multiObservationDataTypes` and measured in `unitOfMeasurements`, in the same order.
 * That the three lists are as long as the ObservedProperties is checked where they meet (the API).
 */
export const MultiDatastream = z.object({
  name: z.string().min(1),
  description: z.string(),
  unitOfMeasurements: z.array(UnitOfMeasurement).min(1),
  observationType: z.literal(COMPLEX_OBSERVATION),
  multiObservationDataTypes: z.array(ObservationType).min(1),
  properties: z.record(z.string(), z.unknown()).optional(),
})
export type MultiDatastream = z.infer<typeof MultiDatastream>

/** A result as the platform stores it: numbers, booleans and category strings. */
export const ObservationResult = z.union([z.number().finite(), z.boolean(), z.string()])
export type ObservationResult = z.infer<typeof ObservationResult>

/** The result of a MultiDatastream's Observation: one value per ObservedProperty (null: not observed). */
export const MultiObservationResult = z
  .array(z.union([z.number().finite(), z.boolean(), z.string(), z.null()]))
  .min(1)
export type MultiObservationResult = z.infer<typeof MultiObservationResult>

/** STA 8.2.7 Observation, times as ISO 8601 instants. */
export const Observation = z.object({
  phenomenonTime: z.iso.datetime({ offset: true }),
  resultTime: z.iso.datetime({ offset: true }),
  result: ObservationResult,
  /** STA: a DQ_Element; here a short text when a value was clamped or is doubtful. */
  resultQuality: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
})
export type Observation = z.infer<typeof Observation>
