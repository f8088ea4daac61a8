import {
  STA_TOPIC_PREFIX,
  type Id,
  type Logger,
  type ObservationEvent,
  type ObservationRecord,
} from '@urbantwin/model'
import type { RegistryChange, Store } from '@urbantwin/store'
import { observationJson, ofMultiDatastream, select, type Links } from '../serialize.ts'
import { checkStream, resultProblem } from '../write/observations.ts'
import { observationFromMessage } from './create.ts'
import { entityMessages, pathsOf, type EntityMessage, type EntityStore } from './entities.ts'
import { resolveObservations } from './resolve.ts'
import { createProtector } from '../privacy.ts'
import { TOPIC_SETS, parseStaTopic, type StaTopic, type TopicSet } from './topic.ts'

type Decision = { ok: true } | { ok: false; reason: string }
type Json = Record<string, unknown>

/** The broker's side (structurally `ExtensionChannel` of @urbantwin/broker). */
export type StaMqttChannel = {
  deliver(topic: string, payload: string): void
  subscribed(): ReadonlySet<string>
}

export type StaMqttDeps = {
  store: Pick<Store, 'createObservations' | 'latestObservations' | 'observations'> & EntityStore
  /** Base of `@iot.selfLink` as clients reach the API: the platform's public URL and `/v1.1`. */
  base: () => string
  log: Logger
  now?: () => Date
  /** Readings waiting for their ids at most; beyond, the oldest are not delivered (counted, logged). */
  maxPending?: number
  /** k of small-cell suppression for gender-disaggregated results (default 10). */
  minCell?: number
}

export type StaMqttStats = {
  /** Messages sent to subscribed topics. */
  delivered: number
  /** Observations created by MQTT PUBLISH. */
  created: number
  /** PUBLISHes refused (invalid, unknown Datastream). */
  refused: number
  /** Stored readings whose Observation was not found again (deleted meanwhile). */
  unresolved: number
  /** Readings not delivered because too many were waiting. */
  dropped: number
}

/**
 * The SensorThings MQTT extension (OGC 18-088 14.2) as a topic extension of the broker
 * (`TopicExtension` of @urbantwin/broker). Subscribers receive, as the HTTP API serialises them, each
 * new entity of a set (`v1.1/Observations`, `v1.1/Things`) or navigation collection
 * (`v1.1/Datastreams(id)/Observations`, `v1.1/Things(id)/Datastreams`), optionally `?$select=…`; an
 * entity after each change (`v1.1/Things(id)`); one property after each change of it
 * (`v1.1/Things(id)/name`). A PUBLISH of an Observation (the broker's ACL decides who may) creates one.
 *
 * New Observations arrive from ingest (`observations`, events without ids: looked up, batched per
 * tick, only while a matching topic is subscribed) and from the API and MQTT creates (`created`);
 * the registry's changes from the store's feed (`entities`).
 */
export type StaMqtt = {
  readonly prefix: string
  subscribable(filter: string): Decision
  publish(msg: { topic: string; payload: Uint8Array; clientId: string }): Promise<Decision>
  attach(channel: StaMqttChannel): void
  /** Ingest stored these readings. Cheap when nobody subscribed: no store access. */
  observations(events: readonly ObservationEvent[]): void
  /** These Observations were created (API POST, CreateObservations): delivered as they are. */
  created(records: readonly ObservationRecord[]): void
  /** The registry changed (Store.watchRegistry): looked up and delivered in order, if subscribed. */
  entities(changes: readonly RegistryChange[]): void
  /** Resolves when every reading handed in so far is delivered (or given up). */
  idle(): Promise<void>
  stats(): StaMqttStats
}

/** Readings looked up together at most. */
const BATCH = 5000

type Subscribed = { topic: string; project: ((json: Json) => Json) | null; multi?: boolean }
type Routes = {
  /** `Observations` and `Datastreams(id)/Observations`: the hot path, by Datastream id. */
  all: Subscribed[]
  byDatastream: Map<Id, Subscribed[]>
  /** Every other topic by its path (StaTopic.path). */
  byPath: Map<string, Subscribed[]>
  /** Sets with a subscribed collection topic: their new entities are looked up. */
  sets: Set<TopicSet>
}

export function createStaMqtt(deps: StaMqttDeps): StaMqtt {
  const { store, log } = deps
  const now = deps.now ?? (() => new Date())
  const maxPending = deps.maxPending ?? 50_000
  const stats: StaMqttStats = { delivered: 0, created: 0, refused: 0, unresolved: 0, dropped: 0 }
  let channel: StaMqttChannel | null = null
  let routes: { of: ReadonlySet<string>; routes: Routes } | null = null
  let pending: ObservationEvent[] = []
  let draining: Promise<void> | null = null
  let entityWork: Promise<void> = Promise.resolve()
  // every subscriber gets what the public may see: small gender-disaggregated counts suppressed
  const privacy = createProtector(store, deps.minCell === undefined ? {} : { minCell: deps.minCell })
  let protecting: Promise<void> = Promise.resolve()
  /** Delivers records once suppressed, in the order they were handed in. */
  const deliverProtected = (records: readonly ObservationRecord[]): Promise<void> =>
    (protecting = protecting
      .then(async () => deliver(await privacy.protect(records)))
      .catch((err: unknown) => log.error({ err }, 'sta mqtt: observations not delivered')))

  /** Subscribed topics by Datastream, rebuilt when the broker's set changes. */
  const currentRoutes = (): Routes | null => {
    const topics = channel?.subscribed()
    if (!topics || topics.size === 0) return null
    if (routes?.of !== topics) {
      const r: Routes = { all: [], byDatastream: new Map(), byPath: new Map(), sets: new Set() }
      const add = <K>(map: Map<K, Subscribed[]>, key: K, entry: Subscribed) =>
        map.set(key, [...(map.get(key) ?? []), entry])
      for (const topic of topics) {
        const t = parseStaTopic(topic)
        if (!t.ok) continue // refused at SUBSCRIBE: cannot happen
        const entry = { topic, project: projection(t.value) }
        const target = t.value.target
        if (target.kind === 'collection' && target.set === 'Observations') {
          if (target.parent === null) r.all.push(entry)
          else
            add(r.byDatastream, target.parent.id, {
              ...entry,
              multi: target.parent.set === 'MultiDatastreams',
            })
        } else {
          add(r.byPath, t.value.path, entry)
          if (target.kind === 'collection') r.sets.add(target.set)
        }
      }
      routes = { of: topics, routes: r }
    }
    return routes.routes
  }
  const projection = (t: StaTopic) =>
    t.select ? select(TOPIC_SETS[t.target.set] as (l: Links, item: never) => Json, t.select) : null
  const routed = (r: Routes, datastreamId: Id) => r.all.length > 0 || r.byDatastream.has(datastreamId)

  const deliver = (records: readonly ObservationRecord[]) => {
    const r = currentRoutes()
    if (!r || !channel) return
    const links = { base: deps.base() }
    for (const o of records) {
      const multi = ofMultiDatastream(o)
      // Datastreams and MultiDatastreams share ids: Datastreams(5)/Observations is not MultiDatastreams(5)'s
      const targets = [
        ...r.all,
        ...(r.byDatastream.get(o.datastreamId) ?? []).filter((t) => t.multi === multi),
      ]
      if (targets.length === 0) continue
      const json = observationJson(links, o)
      let whole: string | null = null
      for (const t of targets) {
        const payload = t.project ? JSON.stringify(t.project(json)) : (whole ??= JSON.stringify(json))
        channel.deliver(t.topic, payload)
        stats.delivered++
      }
    }
  }

  const deliverEntities = (messages: readonly EntityMessage[]) => {
    const r = currentRoutes()
    if (!r || !channel) return
    for (const m of messages) {
      let whole: string | null = null
      for (const t of r.byPath.get(m.path) ?? []) {
        channel.deliver(
          t.topic,
          t.project ? JSON.stringify(t.project(m.json)) : (whole ??= JSON.stringify(m.json)),
        )
        stats.delivered++
      }
    }
  }

  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending.splice(0, BATCH)
      try {
        const records = await resolveObservations(store, batch)
        stats.unresolved +=
          new Set(batch.map((e) => `${e.datastreamId}@${Date.parse(e.phenomenonTime)}`)).size - records.length
        await deliverProtected(records)
      } catch (err) {
        log.error({ err, readings: batch.length }, 'sta mqtt: new observations not delivered')
      }
    }
  }

  /** One drain at a time, starting on the next tick: readings of one tick share their lookups. */
  const schedule = () => {
    if (draining) return
    draining = new Promise<void>((resolve) => setImmediate(resolve)).then(drain).finally(() => {
      draining = null
      if (pending.length > 0) schedule()
    })
  }

  const refuse = (reason: string): Decision => {
    stats.refused++
    return { ok: false, reason }
  }

  return {
    prefix: STA_TOPIC_PREFIX,
    subscribable: (filter) => {
      const t = parseStaTopic(filter)
      return t.ok ? { ok: true } : t
    },
    async publish({ topic, payload }) {
      const made = observationFromMessage(topic, payload, now())
      if (!made.ok) return refuse(made.reason)
      const { stream, observation: o } = made.value
      try {
        const target = await checkStream(store, stream)
        if (!target.exists) return refuse(target.message)
        const problem = resultProblem(o.result, target.multi)
        if (problem) return refuse(problem)
        const [stored] = await store.createObservations([o])
        // one already there (e.g. a QoS 1 resend): acknowledged, not announced twice
        if (stored?.created) {
          stats.created++
          void deliverProtected([stored.observation])
        }
        return { ok: true }
      } catch (err) {
        log.error({ err, topic }, 'sta mqtt: observation not stored')
        return refuse('the Observation could not be stored')
      }
    },
    attach: (c) => {
      channel = c
    },
    observations(events) {
      const r = currentRoutes()
      if (!r) return
      const before = pending.length
      for (const e of events) if (routed(r, e.datastreamId)) pending.push(e)
      if (pending.length === before) return
      if (pending.length > maxPending) {
        const over = pending.length - maxPending
        pending = pending.slice(over)
        stats.dropped += over
        log.warn(
          { dropped: over, maxPending },
          'sta mqtt: too many new observations waiting, oldest not delivered',
        )
      }
      schedule()
    },
    created: (records) => void deliverProtected(records),
    entities(changes) {
      const r = currentRoutes()
      if (!r) return
      const wanted = changes.filter((c) => {
        const { sets, paths } = pathsOf(c)
        return sets.some((s) => r.sets.has(s)) || paths.some((p) => r.byPath.has(p))
      })
      if (wanted.length === 0) return
      entityWork = entityWork.then(async () => {
        for (const c of wanted) {
          try {
            deliverEntities(await entityMessages(store, { base: deps.base() }, c))
          } catch (err) {
            log.error({ err, set: c.set, id: c.id }, 'sta mqtt: registry change not delivered')
          }
        }
      })
    },
    idle: async () => {
      while (draining) await draining
      await entityWork
      await protecting
    },
    stats: () => ({ ...stats }),
  }
}
