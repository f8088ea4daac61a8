import { Id, STA_TOPIC_PREFIX, fail, ok, type Outcome } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'
import { parseQuery } from '../odata/parse.ts'
import { SERIALISERS, propertyNames, select, type Links } from '../serialize.ts'

type Json = Record<string, unknown>

/** The entity sets the extension publishes, with their serialiser (for `$select` and property names). */
export const TOPIC_SETS = SERIALISERS
export type TopicSet = keyof typeof TOPIC_SETS

/**
 * Navigation collections whose new members are published (`v1.1/Things(1)/Datastreams`): those whose
 * parent a new entity names itself. FeaturesOfInterest(id)/Observations and Locations(id)/Things are
 * not among them: which those are is not known when the entity is created.
 */
export const TOPIC_NAVIGATION: Readonly<Partial<Record<TopicSet, readonly TopicSet[]>>> = {
  Things: ['Locations', 'HistoricalLocations', 'Datastreams', 'MultiDatastreams'],
  Locations: ['HistoricalLocations'],
  Datastreams: ['Observations'],
  MultiDatastreams: ['Observations'],
  Sensors: ['Datastreams', 'MultiDatastreams'],
  ObservedProperties: ['Datastreams', 'MultiDatastreams'],
}

/**
 * A topic this platform publishes on (STA 14.2.1), as a path that is also the key messages are routed
 * by (`Things(7)/Datastreams`; ids without leading zeros):
 * - `collection`: each new entity of a set (`v1.1/Things`) or of a navigation collection
 *   (`v1.1/Datastreams(7)/Observations`), optionally with `$select`;
 * - `entity`: the whole entity after each change of it (`v1.1/Things(7)`), optionally with `$select`;
 * - `property`: `{"name": …}` after each change of that property (`v1.1/Things(7)/name`).
 */
export type StaTopic = {
  path: string
  target:
    | { kind: 'collection'; set: TopicSet; parent: { set: TopicSet; id: Id } | null }
    | { kind: 'entity'; set: TopicSet; id: Id }
    | { kind: 'property'; set: TopicSet; id: Id; property: string }
  /** `$select` paths; null: the whole entity. */
  select: string[][] | null
}

const isSet = (name: string): name is TopicSet => Object.hasOwn(TOPIC_SETS, name)
const SEGMENT = /^([A-Za-z]+)(?:\((\d{1,15})\))?$/
const SERVED =
  'an entity set (v1.1/Things), an entity (v1.1/Things(<id>)), one of its properties (v1.1/Things(<id>)/name) or a navigation collection (v1.1/Datastreams(<id>)/Observations)'

/** Parses a subscription filter or a publish topic of the extension. Pure. */
export function parseStaTopic(topic: string): Outcome<StaTopic> {
  if (!topic.startsWith(STA_TOPIC_PREFIX)) return fail(`${topic} is not a SensorThings topic (v1.1/…)`)
  if (/[+#]/.test(topic))
    return fail(
      'MQTT wildcards are not part of SensorThings topics; v1.1/Observations delivers every new Observation',
    )
  const rest = topic.slice(STA_TOPIC_PREFIX.length)
  const q = rest.indexOf('?')
  const target = targetOf(q < 0 ? rest : rest.slice(0, q))
  if (!target.ok) return target
  const t = target.value
  const path =
    t.kind === 'collection'
      ? `${t.parent ? `${t.parent.set}(${t.parent.id})/` : ''}${t.set}`
      : `${t.set}(${t.id})${t.kind === 'property' ? `/${t.property}` : ''}`
  if (q < 0) return ok({ path, target: t, select: null })
  if (t.kind === 'property') return fail(`a property topic (${path}) takes no query options`)
  const params = new URLSearchParams(rest.slice(q + 1))
  for (const key of params.keys())
    if (key !== '$select')
      return fail(`only $select may follow ? in a SensorThings topic (STA 14.2), not ${key}`)
  try {
    const paths = parseQuery(params).select ?? null
    if (paths) select(TOPIC_SETS[t.set] as (l: Links, item: never) => Json, paths) // names only properties the set has
    return ok({ path, target: t, select: paths })
  } catch (err) {
    if (err instanceof UnsupportedQueryError) return fail(err.message)
    throw err
  }
}

function targetOf(path: string): Outcome<StaTopic['target']> {
  const segments = path.split('/')
  const first = SEGMENT.exec(segments[0] ?? '')
  if (!first || segments.length > 2)
    return fail(`${path} is not a SensorThings resource path; topics are ${SERVED}`)
  const [, set, rawId] = first as unknown as [string, string, string | undefined]
  if (!isSet(set)) return fail(`${set} is not an entity set; topics are ${SERVED}`)
  if (rawId === undefined) {
    if (segments.length > 1) return fail(`${path} names no entity: ${set}(<id>)/… is`)
    return ok({ kind: 'collection', set, parent: null })
  }
  const id = Id.safeParse(Number(rawId))
  if (!id.success) return fail(`${rawId} is not an id of ${set}`)
  const next = segments[1]
  if (next === undefined) return ok({ kind: 'entity', set, id: id.data })
  if (isSet(next)) {
    if (!TOPIC_NAVIGATION[set]?.includes(next))
      return fail(
        `new members of ${set}(<id>)/${next} are not published; navigation topics are ${Object.entries(
          TOPIC_NAVIGATION,
        )
          .flatMap(([p, navs]) => navs.map((n) => `${p}(<id>)/${n}`))
          .join(', ')}`,
      )
    return ok({ kind: 'collection', set: next, parent: { set, id: id.data } })
  }
  const properties = propertyNames(TOPIC_SETS[set] as (l: Links, item: never) => Json)
  if (!properties.includes(next))
    return fail(`${set} have no property ${next}; a property topic names one of ${properties.join(', ')}`)
  return ok({ kind: 'property', set, id: id.data, property: next })
}
