import { z } from 'zod'
import { Datastream, Location, ObservedProperty, Sensor, Thing } from '@urbantwin/model'
import type { EntityPatch, RegistrySet } from '@urbantwin/store'
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
  Sensors: Sensor.partial().strict(),
  ObservedProperties: ObservedProperty.partial().strict(),
}

export function patchFrom(set: RegistrySet, body: unknown): EntityPatch {
  return parse(PATCH_SCHEMAS[set], body, `${set} change`)
}
