import { Id, STA_TOPIC_PREFIX, fail, ok, type Outcome } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'
import { parseQuery } from '../odata/parse.ts'
import { observationJson, select } from '../serialize.ts'

/**
 * A topic this platform publishes on (STA 14.2.1): the new Observations of all Datastreams
 * (`v1.1/Observations`) or of one (`v1.1/Datastreams(7)/Observations`), optionally with `$select`
 * (`v1.1/Observations?$select=result,phenomenonTime`), the only query option the standard allows there.
 */
export type StaTopic = {
  /** Null: every Datastream. */
  datastreamId: Id | null
  /** `$select` paths; null: the whole Observation. */
  select: string[][] | null
}

const PATH = /^(?:Datastreams\((\d{1,15})\)\/)?Observations$/
/** Entity and collection paths of STA 9.2 that name something other than Observations. */
const OTHER_RESOURCE =
  /^(?:Things|Locations|HistoricalLocations|Datastreams|MultiDatastreams|Sensors|ObservedProperties|FeaturesOfInterest|Observations)\b/

const SERVED = 'v1.1/Observations or v1.1/Datastreams(<id>)/Observations, optionally with ?$select=…'

/** Parses a subscription filter or a publish topic of the extension. Pure. */
export function parseStaTopic(topic: string): Outcome<StaTopic> {
  if (!topic.startsWith(STA_TOPIC_PREFIX)) return fail(`${topic} is not a SensorThings topic (v1.1/…)`)
  if (/[+#]/.test(topic))
    return fail(
      'MQTT wildcards are not part of SensorThings topics; v1.1/Observations delivers every new Observation',
    )
  const rest = topic.slice(STA_TOPIC_PREFIX.length)
  const q = rest.indexOf('?')
  const path = q < 0 ? rest : rest.slice(0, q)
  const m = PATH.exec(path)
  if (!m) {
    return fail(
      OTHER_RESOURCE.test(path)
        ? `only new Observations are published (${SERVED}); ${path} is not`
        : `${path} is not a SensorThings resource path; topics are ${SERVED}`,
    )
  }
  let datastreamId: Id | null = null
  if (m[1] !== undefined) {
    const id = Id.safeParse(Number(m[1]))
    if (!id.success) return fail(`${m[1]} is not a Datastream id`)
    datastreamId = id.data
  }
  if (q < 0) return ok({ datastreamId, select: null })
  const params = new URLSearchParams(rest.slice(q + 1))
  for (const key of params.keys())
    if (key !== '$select')
      return fail(`only $select may follow ? in a SensorThings topic (STA 14.2), not ${key}`)
  try {
    const paths = parseQuery(params).select ?? null
    if (paths) select(observationJson, paths) // names only properties Observations have
    return ok({ datastreamId, select: paths })
  } catch (err) {
    if (err instanceof UnsupportedQueryError) return fail(err.message)
    throw err
  }
}
