import { z } from 'zod'
import { Datastream, Location, MultiDatastream, ObservedProperty, Sensor, Thing } from '@urbantwin/model'
import type {
  EntityPatch,
  Link,
  NewDatastream,
  NewEntity,
  NewMultiDatastream,
  NewThing,
  RegistrySet,
} from '@urbantwin/store'
import { parse } from '../../http/parse.ts'

/**
 * STA 10.3 (update an entity, PATCH): an entity's own properties, each optional, nothing else.
 * Navigation links (moving a Datastream to another Thing, …) are not changed this way: 400.
 */
export const PATCH_SCHEMAS: Record<RegistrySet, z.ZodType<EntityPatch>> = {
  Things: Thing.partial().strict(),
  Locations: Location.partial().strict(),
  HistoricalLocations: z
    .object({ time: z.iso.datetime({ offset: true }) })
    .partial()
    .strict(),
  Datastreams: Datastream.partial().strict(),
  // that the lists stay as long as the ObservedProperties is checked against the stored entity (routes)
  MultiDatastreams: MultiDatastream.partial().strict(),
  Sensors: Sensor.partial().strict(),
  ObservedProperties: ObservedProperty.partial().strict(),
}

export function patchFrom(set: RegistrySet, body: unknown): EntityPatch {
  return parse(PATCH_SCHEMAS[set], body, `${set} change`)
}

/** `{"@iot.id": 5}`: a link to an entity that exists (STA 10.2.1.1). */
const IdLink = z.object({ '@iot.id': z.number().int().positive() }).strict()
const linkOf = <T extends z.ZodType>(inline: T) => z.union([IdLink, inline])
const toLink = <T>(x: { '@iot.id': number } | T): Link<T> =>
  typeof x === 'object' && x !== null && '@iot.id' in x
    ? { id: (x as { '@iot.id': number })['@iot.id'] }
    : { create: x as T }

const DatastreamInThing = Datastream.extend({
  Sensor: linkOf(Sensor.strict()),
  ObservedProperty: linkOf(ObservedProperty.strict()),
}).strict()
const MultiDatastreamFields = MultiDatastream.extend({
  Sensor: linkOf(Sensor.strict()),
  ObservedProperties: z.array(linkOf(ObservedProperty.strict())).min(1).max(100),
})
/** STA 8.2.9.2: one unit and one observation type per ObservedProperty, in the same order. */
function sameLengths(
  m: { unitOfMeasurements: unknown[]; multiObservationDataTypes: unknown[]; ObservedProperties: unknown[] },
  ctx: z.core.$RefinementCtx,
) {
  const n = m.ObservedProperties.length
  for (const key of ['unitOfMeasurements', 'multiObservationDataTypes'] as const)
    if (m[key].length !== n)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `has ${m[key].length} entries for ${n} ObservedProperties; one per ObservedProperty, in their order`,
      })
}
const MultiDatastreamInThing = MultiDatastreamFields.strict().superRefine(sameLengths)
const ThingPost = Thing.extend({
  Locations: z.array(Location.strict()).max(100).optional(),
  Datastreams: z.array(DatastreamInThing).max(1000).optional(),
  MultiDatastreams: z.array(MultiDatastreamInThing).max(1000).optional(),
}).strict()

/**
 * STA 10.2 (create, with deep insert): the body of a POST to each registry set. Links to entities
 * that exist are `{"@iot.id": n}`; a Location belongs to exactly one Thing here, so it is created
 * inline with its Thing or names that one Thing.
 */
export const POST_SCHEMAS = {
  Things: ThingPost,
  Locations: Location.extend({
    Things: z.array(IdLink).length(1, 'a Location names exactly one Thing here'),
  }).strict(),
  Sensors: Sensor.strict(),
  ObservedProperties: ObservedProperty.strict(),
  Datastreams: DatastreamInThing.extend({ Thing: linkOf(ThingPost) }).strict(),
  MultiDatastreams: MultiDatastreamFields.extend({ Thing: linkOf(ThingPost) })
    .strict()
    .superRefine(sameLengths),
} as const
export type CreatableSet = keyof typeof POST_SCHEMAS
export const CREATABLE_SETS = Object.keys(POST_SCHEMAS) as CreatableSet[]

const newDatastream = ({
  Sensor: s,
  ObservedProperty: o,
  ...datastream
}: z.infer<typeof DatastreamInThing>): NewDatastream => ({
  datastream,
  sensor: toLink(s),
  observedProperty: toLink(o),
})
const newMultiDatastream = ({
  Sensor: s,
  ObservedProperties: o,
  ...multiDatastream
}: z.infer<typeof MultiDatastreamInThing>): NewMultiDatastream => ({
  multiDatastream,
  sensor: toLink(s),
  observedProperties: o.map((x) => toLink(x)),
})
const newThing = ({
  Locations,
  Datastreams,
  MultiDatastreams,
  ...thing
}: z.infer<typeof ThingPost>): NewThing => ({
  thing,
  locations: Locations ?? [],
  datastreams: (Datastreams ?? []).map(newDatastream),
  multiDatastreams: (MultiDatastreams ?? []).map(newMultiDatastream),
})

/** What the store creates for a POST of `body` to `set` (a 400 when the body does not fit). */
export function createFrom(set: CreatableSet, body: unknown): NewEntity {
  switch (set) {
    case 'Things':
      return { set, thing: newThing(parse(POST_SCHEMAS.Things, body, 'new Thing')) }
    case 'Locations': {
      const { Things, ...location } = parse(POST_SCHEMAS.Locations, body, 'new Location')
      return { set, location, thingId: Things[0]!['@iot.id'] }
    }
    case 'Sensors':
      return { set, sensor: parse(POST_SCHEMAS.Sensors, body, 'new Sensor') }
    case 'ObservedProperties':
      return { set, observedProperty: parse(POST_SCHEMAS.ObservedProperties, body, 'new ObservedProperty') }
    case 'Datastreams': {
      const { Thing: t, ...rest } = parse(POST_SCHEMAS.Datastreams, body, 'new Datastream')
      const thing = toLink(t)
      return {
        set,
        datastream: newDatastream(rest),
        thing: 'id' in thing ? thing : { create: newThing(thing.create) },
      }
    }
    case 'MultiDatastreams': {
      const { Thing: t, ...rest } = parse(POST_SCHEMAS.MultiDatastreams, body, 'new MultiDatastream')
      const thing = toLink(t)
      return {
        set,
        multiDatastream: newMultiDatastream(rest),
        thing: 'id' in thing ? thing : { create: newThing(thing.create) },
      }
    }
  }
}
