import { z } from 'zod'
import {
  Datastream,
  GeoJsonPoint,
  Id,
  Location,
  MultiDatastream,
  MultiObservationResult,
  Observation,
  ObservationResult,
  ObservedProperty,
  Sensor,
  Thing,
} from '@urbantwin/model'
import { AGGREGATE_FNS, REGISTRY_SETS } from '@urbantwin/store'
import { ENTITY_SETS } from '../sta/query.ts'
import { CREATABLE_SETS, PATCH_SCHEMAS, POST_SCHEMAS } from '../sta/write/entities.ts'
import { SERIALISERS as ALL_SERIALISERS, propertyNames, type Links } from '../sta/serialize.ts'

/**
 * SensorThings v1.1 JSON as this API answers it (OGC 18-088 9.2, serialised by sta/serialize.ts and
 * sta/expand.ts), built from the entity schemas of `@urbantwin/model`: `@iot.id`, `@iot.selfLink`,
 * navigation links, and what `$expand` may add. Only for the documents (docs/openapi.ts).
 */

export { ENTITY_SETS }
export type EntitySet = (typeof ENTITY_SETS)[number]

const SERIALISERS: Record<EntitySet, (l: Links, item: never) => Record<string, unknown>> = ALL_SERIALISERS

const Link = z.url()
const SelfLink = Link.describe('Absolute URL of this entity (STA 9.2.2)')

/** What each entity set links to (STA 8.2), as far as this API serves it: one entity or many. */
const NAVIGATION: Record<EntitySet, Record<string, { to: EntitySet; many: boolean }>> = {
  Things: {
    Locations: { to: 'Locations', many: true },
    HistoricalLocations: { to: 'HistoricalLocations', many: true },
    Datastreams: { to: 'Datastreams', many: true },
    MultiDatastreams: { to: 'MultiDatastreams', many: true },
  },
  Locations: {
    Things: { to: 'Things', many: true },
    HistoricalLocations: { to: 'HistoricalLocations', many: true },
  },
  HistoricalLocations: { Thing: { to: 'Things', many: false }, Locations: { to: 'Locations', many: true } },
  Datastreams: {
    Thing: { to: 'Things', many: false },
    Sensor: { to: 'Sensors', many: false },
    ObservedProperty: { to: 'ObservedProperties', many: false },
    Observations: { to: 'Observations', many: true },
  },
  MultiDatastreams: {
    Thing: { to: 'Things', many: false },
    Sensor: { to: 'Sensors', many: false },
    ObservedProperties: { to: 'ObservedProperties', many: true },
    Observations: { to: 'Observations', many: true },
  },
  Sensors: {
    Datastreams: { to: 'Datastreams', many: true },
    MultiDatastreams: { to: 'MultiDatastreams', many: true },
  },
  ObservedProperties: {
    Datastreams: { to: 'Datastreams', many: true },
    MultiDatastreams: { to: 'MultiDatastreams', many: true },
  },
  Observations: {
    Datastream: { to: 'Datastreams', many: false },
    MultiDatastream: { to: 'MultiDatastreams', many: false },
    FeatureOfInterest: { to: 'FeaturesOfInterest', many: false },
  },
  FeaturesOfInterest: { Observations: { to: 'Observations', many: true } },
}

/** The properties of OGC 18-088 each set carries here (HistoricalLocation and FeatureOfInterest have no model schema). */
const PROPERTIES: Record<EntitySet, z.ZodObject> = {
  Things: Thing,
  Locations: Location,
  HistoricalLocations: z.object({
    time: z.iso.datetime({ offset: true }).describe('When the Thing arrived'),
  }),
  Datastreams: Datastream,
  MultiDatastreams: MultiDatastream,
  Sensors: Sensor,
  ObservedProperties: ObservedProperty,
  Observations: Observation.extend({
    result: z
      .union([ObservationResult, MultiObservationResult])
      .describe(
        'One value; of a MultiDatastream, an array with one value per ObservedProperty. Of a gender-disaggregated stream, small counts are null in public answers (see parameters.suppressed)',
      ),
    parameters: z
      .object({
        suppressed: z
          .union([z.array(z.number().int().min(0)), z.literal(true)])
          .optional()
          .describe(
            'Small-cell suppression: the positions of the result hidden here (null), or true for a Datastream’s one result. Counts below PRIVACY_MIN_CELL (k) and as many others as keep them from being worked out; keys with `read:unsuppressed` (operator, admin) see the stored numbers',
          ),
        suppression: z.string().optional().describe('The rule, in words, with this server’s k'),
      })
      .catchall(z.unknown())
      .optional()
      .describe('Further facts about this Observation (STA 8.2.7)'),
  }),
  FeaturesOfInterest: Location.omit({ location: true }).extend({
    feature: GeoJsonPoint.describe('Where the Observations were made: the Location of the Thing'),
  }),
}

/** The component name of one entity of `set`, e.g. `Thing`. */
export const entityName = (set: EntitySet): string =>
  ({
    Things: 'Thing',
    Locations: 'Location',
    HistoricalLocations: 'HistoricalLocation',
    Datastreams: 'Datastream',
    MultiDatastreams: 'MultiDatastream',
    Sensors: 'Sensor',
    ObservedProperties: 'ObservedProperty',
    Observations: 'Observation',
    FeaturesOfInterest: 'FeatureOfInterest',
  })[set]

/** `value` with `@iot.count` (when `$count=true`) and `@iot.nextLink` (when more follow): STA 9.3.3.5, 9.3.3.6. */
function collectionOf(item: z.ZodType) {
  return z.object({
    '@iot.count': z.number().int().min(0).optional().describe('All matching entities; with $count=true'),
    '@iot.nextLink': Link.optional().describe('The next page, when more entities follow'),
    value: z.array(item),
  })
}

function buildEntities(): Record<EntitySet, z.ZodObject> {
  const entities = {} as Record<EntitySet, z.ZodObject>
  for (const set of ENTITY_SETS) {
    const shape: Record<string, z.ZodType> = {
      '@iot.id': Id.describe('The id the store assigned'),
      '@iot.selfLink': SelfLink,
    }
    for (const [nav, { to, many }] of Object.entries(NAVIGATION[set])) {
      const target = z.lazy(() => entities[to])
      shape[`${nav}@iot.navigationLink`] = Link.optional().describe(`URL of the ${nav} (STA 9.2.2)`)
      shape[nav] = (many ? z.array(target) : target.nullable())
        .optional()
        .describe(`Present with $expand=${nav} (STA 9.3.2.1)`)
      if (many) {
        shape[`${nav}@iot.count`] = z
          .number()
          .int()
          .min(0)
          .optional()
          .describe(`With $expand=${nav}($count=true)`)
        shape[`${nav}@iot.nextLink`] = Link.optional().describe(`More ${nav} of this entity follow`)
      }
    }
    entities[set] = PROPERTIES[set]
      .extend(shape)
      .describe(
        `${entityName(set)} (OGC 18-088 8.2). $select keeps only the named properties; $expand adds related entities inline.`,
      )
  }
  return entities
}

const ENTITIES = buildEntities()

/** One aggregated interval (`$aggregate`, see api/README.md): Observation-shaped, computed, no `@iot.id`. */
const AggregateEntry = z.object({
  phenomenonTime: z.string().describe('The interval, ISO 8601 `start/end`, epoch-aligned, end excluded'),
  result: z.number().describe('The aggregate of the numeric results in the interval'),
  parameters: z.object({ aggregate: z.enum(AGGREGATE_FNS), interval: z.string() }),
})

/** `$resultFormat=dataArray` (OGC 18-088 14.3). */
const DataArray = z.object({
  '@iot.count': z.number().int().min(0).optional(),
  '@iot.nextLink': Link.optional(),
  value: z.array(
    z.object({
      'Datastream@iot.navigationLink': Link.optional(),
      'MultiDatastream@iot.navigationLink': Link.optional(),
      components: z.array(z.string()).describe('Names of the values in each row, in order'),
      'dataArray@iot.count': z.number().int().min(0),
      dataArray: z.array(z.array(z.unknown())),
    }),
  ),
})

/** STA JSON shapes by component name: `Thing`, `ThingCollection`, …, `AggregateCollection`, `DataArray`. */
export function staSchemas(): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {}
  for (const set of ENTITY_SETS) {
    out[entityName(set)] = ENTITIES[set]
    out[`${entityName(set)}Collection`] = collectionOf(ENTITIES[set])
  }
  return {
    ...out,
    GeoJsonPoint,
    SelfLink: z.object({ '@iot.selfLink': SelfLink }),
    SelfLinkCollection: collectionOf(z.object({ '@iot.selfLink': SelfLink })),
    AggregateEntry,
    AggregateCollection: collectionOf(AggregateEntry),
    DataArray,
    CreateObservationsResult: z
      .array(z.union([Link, z.literal('error')]))
      .describe('Per row, in order: the Observation’s @iot.selfLink, or "error"'),
    PropertyValue: z
      .record(z.string(), z.unknown())
      .describe('One property: `{"<name>": <value>}` (STA 9.2.4)'),
    ServiceRoot: z.object({
      value: z.array(z.object({ name: z.enum(ENTITY_SETS), url: Link })),
      serverSettings: z
        .object({
          conformance: z.array(z.string()).describe('The conformance classes met (OGC 18-088 Annex A)'),
        })
        .catchall(
          z
            .object({ endpoints: z.array(z.string()) })
            .describe('Per MQTT conformance class: the broker’s endpoints (mqtt:// and ws://)'),
        ),
    }),
  }
}

/**
 * Bodies of `PATCH /v1.1/<set>(id)` (STA 10.3, sta/write/entities.ts): the entity's own properties,
 * each optional, nothing else. By component name: `ThingPatch`, ….
 */
export function staPatchSchemas(): Record<string, z.ZodType> {
  return Object.fromEntries(REGISTRY_SETS.map((set) => [`${entityName(set)}Patch`, PATCH_SCHEMAS[set]]))
}

/** Bodies of `POST /v1.1/<set>` (STA 10.2, with deep insert): `ThingPost`, …. */
export function staPostSchemas(): Record<string, z.ZodType> {
  return Object.fromEntries(CREATABLE_SETS.map((set) => [`${entityName(set)}Post`, POST_SCHEMAS[set]]))
}

/** Property names of each set for `GET …(id)/{property}` (STA 9.2.4), as the router checks them. */
export function propertyNamesOf(set: EntitySet): readonly string[] {
  return propertyNames(SERIALISERS[set])
}
