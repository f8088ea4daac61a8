import type { Id } from '@urbantwin/model'
import type { RegistryChange, RegistrySet, Store } from '@urbantwin/store'
import { featureOfInterestJson, type Links } from '../serialize.ts'
import { TOPIC_SETS, type TopicSet } from './topic.ts'

type Json = Record<string, unknown>

export type EntityStore = Pick<
  Store,
  | 'thing'
  | 'location'
  | 'historicalLocation'
  | 'datastream'
  | 'multiDatastream'
  | 'sensor'
  | 'observedProperty'
  | 'observation'
>

/** One message of a registry change: what to send under a topic path (see StaTopic.path). */
export type EntityMessage = { path: string; json: Json }

type Spec = {
  load: (store: EntityStore, id: Id) => Promise<object | null>
  /** The navigation collections (`Things(3)`) a new entity is a member of. */
  parents: (record: never) => string[]
}

const REGISTRY: Record<RegistrySet | 'Observations', Spec> = {
  // only changes of Observations come this way (PATCH); new ones are delivered by live.ts
  Observations: { load: (s, id) => s.observation(id), parents: () => [] },
  Things: { load: (s, id) => s.thing(id), parents: () => [] },
  Locations: {
    load: (s, id) => s.location(id),
    parents: (l: { thingId: Id }) => [`Things(${l.thingId})`],
  },
  HistoricalLocations: {
    load: (s, id) => s.historicalLocation(id),
    parents: (h: { thingId: Id; locationId: Id }) => [`Things(${h.thingId})`, `Locations(${h.locationId})`],
  },
  Datastreams: {
    load: (s, id) => s.datastream(id),
    parents: (d: { thingId: Id; sensorId: Id; observedPropertyId: Id }) => [
      `Things(${d.thingId})`,
      `Sensors(${d.sensorId})`,
      `ObservedProperties(${d.observedPropertyId})`,
    ],
  },
  MultiDatastreams: {
    load: (s, id) => s.multiDatastream(id),
    parents: (m: { thingId: Id; sensorId: Id; observedPropertyIds: Id[] }) => [
      `Things(${m.thingId})`,
      `Sensors(${m.sensorId})`,
      ...m.observedPropertyIds.map((o) => `ObservedProperties(${o})`),
    ],
  },
  Sensors: { load: (s, id) => s.sensor(id), parents: () => [] },
  ObservedProperties: { load: (s, id) => s.observedProperty(id), parents: () => [] },
}

/** A Location's property as its FeatureOfInterest names it (see featureOfInterestJson). */
const featureProperty = (p: string) => (p === 'location' ? 'feature' : p)

/** The topic paths a change may be published under, before anything is loaded: to skip unwatched ones. */
export function pathsOf(change: RegistryChange): { sets: TopicSet[]; paths: string[] } {
  const { set, id } = change
  const also = set === 'Locations' ? (['FeaturesOfInterest'] as const) : []
  if (change.change === 'created') return { sets: [set, ...also], paths: [] }
  const props = (s: TopicSet, map = (p: string) => p) => [
    `${s}(${id})`,
    ...change.properties.map((p) => `${s}(${id})/${map(p)}`),
  ]
  return { sets: [], paths: [...props(set), ...also.flatMap((s) => props(s, featureProperty))] }
}

/**
 * What a registry change publishes (STA 14.2.1): a new entity under its set and each navigation
 * collection it joined; a changed one whole under its own topic and each changed property alone
 * (`{"name": …}`) under the property's. A Location is also a FeatureOfInterest here (sta/features.ts).
 * Nothing when the entity is gone again.
 */
export async function entityMessages(
  store: EntityStore,
  links: Links,
  change: RegistryChange,
): Promise<EntityMessage[]> {
  const spec = REGISTRY[change.set]
  const record = await spec.load(store, change.id)
  if (!record) return []
  const views: [TopicSet, Json, (p: string) => string][] = [
    [change.set, TOPIC_SETS[change.set](links, record as never), (p) => p],
  ]
  if (change.set === 'Locations')
    views.push(['FeaturesOfInterest', featureOfInterestJson(links, record as never), featureProperty])
  const out: EntityMessage[] = []
  for (const [set, json, map] of views) {
    if (change.change === 'created') {
      out.push({ path: set, json })
      if (set === change.set)
        for (const parent of spec.parents(record as never))
          out.push({ path: `${parent}/${set}`, json })
    } else {
      out.push({ path: `${set}(${change.id})`, json })
      for (const p of change.properties) {
        const name = map(p)
        out.push({ path: `${set}(${change.id})/${name}`, json: { [name]: json[name] ?? null } })
      }
    }
  }
  return out
}
