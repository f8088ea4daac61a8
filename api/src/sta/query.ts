import { z } from 'zod'

/** Entity ids in resource paths, e.g. `Things(42)`. */
export const EntityId = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
})

/** The entity sets of STA 9.2.1, in the standard's order. */
export const ENTITY_SETS = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'MultiDatastreams',
  'Sensors',
  'Observations',
  'ObservedProperties',
  'FeaturesOfInterest',
] as const
