import { z } from 'zod'
import {
  Id,
  MultiObservationResult,
  ObservationResult,
  type MultiDatastreamRecord,
  type NewObservation,
  type ObservationType,
} from '@urbantwin/model'
import type { ObservationPatch, Store } from '@urbantwin/store'
import { HttpError } from '../../http/errors.ts'
import { parse } from '../../http/parse.ts'

/** An ISO 8601 instant with a zone (`2026-11-23T08:00:00Z`); time intervals are not stored here. */
const Instant = z.iso.datetime({ offset: true })
const Link = z.object({ '@iot.id': Id }).strict()

/** What this platform stores of an Observation, and what it refuses to drop silently. */
const NOT_STORED = ['parameters', 'validTime', 'FeatureOfInterest'] as const

/**
 * STA 10.2 (create an Observation): the body of `POST /Observations` (with a `Datastream` link) or
 * `POST /Datastreams(id)/Observations`. phenomenonTime defaults to now, resultTime to phenomenonTime.
 */
export const ObservationBody = z
  .object({
    phenomenonTime: Instant.optional(),
    resultTime: Instant.nullable().optional(),
    result: z.union([ObservationResult, MultiObservationResult]),
    resultQuality: z.string().min(1).max(500).nullable().optional(),
    Datastream: Link.optional(),
    MultiDatastream: Link.optional(),
  })
  .strict()
export type ObservationBody = z.infer<typeof ObservationBody>

/** What an Observation belongs to: a Datastream, or a MultiDatastream (STA 8.2.9). */
export type StreamRef = { set: 'Datastreams' | 'MultiDatastreams'; id: Id }
/** A new Observation and what it belongs to (whose existence and result types the caller checks). */
export type ObservationDraft = { stream: StreamRef; observation: NewObservation }

const ELEMENT: Record<ObservationType, { ok: (v: unknown) => boolean; what: string }> = {
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement': {
    ok: (v) => typeof v === 'number',
    what: 'a number',
  },
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation': {
    ok: (v) => Number.isInteger(v),
    what: 'an integer',
  },
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation': {
    ok: (v) => typeof v === 'boolean',
    what: 'true or false',
  },
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation': {
    ok: (v) => typeof v === 'string',
    what: 'a string',
  },
  'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation': { ok: () => true, what: 'any value' },
}

/**
 * Why `result` cannot be an Observation of this stream, or null: a Datastream's result is one value;
 * a MultiDatastream's an array with one element per ObservedProperty, each of its
 * multiObservationDataTypes (null: not observed this time).
 */
export function resultProblem(
  result: NewObservation['result'],
  multi: Pick<MultiDatastreamRecord, 'id' | 'multiObservationDataTypes'> | null,
): string | null {
  if (!multi)
    return Array.isArray(result)
      ? 'the result of a Datastream\'s Observation is one number, boolean or string; arrays are for MultiDatastreams'
      : null
  const types = multi.multiObservationDataTypes
  if (!Array.isArray(result))
    return `the result of MultiDatastream ${multi.id}'s Observation is an array of ${types.length} values, one per ObservedProperty`
  if (result.length !== types.length)
    return `MultiDatastream ${multi.id} has ${types.length} ObservedProperties: the result needs ${types.length} values, not ${result.length}`
  for (const [i, v] of result.entries()) {
    const t = ELEMENT[types[i]!]
    if (v !== null && !t.ok(v)) return `result[${i}] must be ${t.what} (${types[i]!.split('/').at(-1)}), not ${JSON.stringify(v)}`
  }
  return null
}

function refuseNotStored(body: unknown, where: string): void {
  if (typeof body !== 'object' || body === null) return
  for (const name of NOT_STORED)
    if (name in body)
      throw new HttpError(
        400,
        'BAD_REQUEST',
        `${where}: ${name} is not stored by this platform; leave it out (a FeatureOfInterest is the Thing's Location)`,
      )
}

const one = (set: StreamRef['set']) => (set === 'Datastreams' ? 'Datastream' : 'MultiDatastream')

export type StreamStore = Pick<Store, 'datastream' | 'multiDatastream'>

/** Whether `stream` exists, and the MultiDatastream it is (null: a Datastream), for resultProblem. */
export type StreamCheck =
  | { exists: false; message: string }
  | { exists: true; multi: MultiDatastreamRecord | null }

export async function checkStream(store: StreamStore, stream: StreamRef): Promise<StreamCheck> {
  const multi = stream.set === 'MultiDatastreams' ? await store.multiDatastream(stream.id) : null
  const exists = multi !== null || (stream.set === 'Datastreams' && (await store.datastream(stream.id)) !== null)
  return exists
    ? { exists, multi }
    : { exists, message: `${one(stream.set)} ${stream.id} does not exist` }
}

/** The new Observation a POST describes, for the (Multi)Datastream the path or the body names. */
export function observationFrom(body: unknown, path: StreamRef | null, now: Date): ObservationDraft {
  refuseNotStored(body, 'Observation')
  const o = parse(ObservationBody, body, 'Observation')
  const linked: StreamRef[] = []
  if (o.Datastream) linked.push({ set: 'Datastreams', id: o.Datastream['@iot.id'] })
  if (o.MultiDatastream) linked.push({ set: 'MultiDatastreams', id: o.MultiDatastream['@iot.id'] })
  if (linked.length > 1)
    throw new HttpError(400, 'BAD_REQUEST', 'an Observation belongs to a Datastream or a MultiDatastream, not both')
  const [link] = linked
  if (path && link && (link.set !== path.set || link.id !== path.id))
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `the body links ${one(link.set)} ${link.id}, the path ${one(path.set)} ${path.id}`,
    )
  const stream = path ?? link
  if (stream === undefined)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      'an Observation needs its Datastream: "Datastream": {"@iot.id": <id>} (or "MultiDatastream")',
    )
  const phenomenonTime = new Date(o.phenomenonTime ?? now).toISOString()
  return {
    stream,
    observation: {
      datastreamId: stream.id,
      phenomenonTime,
      resultTime: o.resultTime ? new Date(o.resultTime).toISOString() : phenomenonTime,
      result: o.result,
      ...(o.resultQuality ? { resultQuality: o.resultQuality } : {}),
    },
  }
}

/**
 * STA 10.3 (update an Observation, PATCH): its own properties, each optional. Its (Multi)Datastream
 * is not changed this way; resultQuality null removes it.
 */
export const ObservationPatchBody = z
  .object({
    phenomenonTime: Instant,
    resultTime: Instant,
    result: z.union([ObservationResult, MultiObservationResult]),
    resultQuality: z.string().min(1).max(500).nullable(),
  })
  .partial()
  .strict()

export function observationPatchFrom(body: unknown): ObservationPatch {
  refuseNotStored(body, 'Observation change')
  const p = parse(ObservationPatchBody, body, 'Observation change')
  return {
    ...(p.phenomenonTime ? { phenomenonTime: new Date(p.phenomenonTime).toISOString() } : {}),
    ...(p.resultTime ? { resultTime: new Date(p.resultTime).toISOString() } : {}),
    ...(p.result !== undefined ? { result: p.result } : {}),
    ...(p.resultQuality !== undefined ? { resultQuality: p.resultQuality } : {}),
  }
}

/** Rows one CreateObservations request may carry. */
export const MAX_CREATE_ROWS = 10_000

const COMPONENTS = ['phenomenonTime', 'resultTime', 'result', 'resultQuality'] as const
const Group = z
  .object({
    Datastream: Link.optional(),
    MultiDatastream: Link.optional(),
    components: z.array(z.string()).min(1),
    'dataArray@iot.count': z.number().int().nonnegative().optional(),
    dataArray: z.array(z.array(z.unknown())),
  })
  .strict()
export const CreateObservationsBody = z.array(Group).min(1)

/** One row of a CreateObservations request: the Observation, or why it cannot be one. */
export type CreateRow = { stream: StreamRef; observation: NewObservation | null; error?: string }

/**
 * STA 14.4 (Create multiple Observations with dataArray): per Datastream, the component names once
 * and one array of values per Observation. A row that is not a valid Observation becomes "error" in
 * the response, as the standard says; an unknown component fails the whole request.
 */
export function createRows(body: unknown, now: Date): CreateRow[] {
  const groups = parse(CreateObservationsBody, body, 'CreateObservations')
  const rows = groups.reduce((n, g) => n + g.dataArray.length, 0)
  if (rows > MAX_CREATE_ROWS)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `at most ${MAX_CREATE_ROWS} Observations per request, not ${rows}`,
    )
  const out: CreateRow[] = []
  for (const g of groups) {
    for (const c of g.components)
      if (!(COMPONENTS as readonly string[]).includes(c))
        throw new HttpError(
          400,
          'BAD_REQUEST',
          `component ${c} is not stored by this platform; components are ${COMPONENTS.join(', ')}`,
        )
    if (!g.components.includes('result'))
      throw new HttpError(400, 'BAD_REQUEST', 'the components must include result')
    const links: StreamRef[] = [
      ...(g.Datastream ? [{ set: 'Datastreams' as const, id: g.Datastream['@iot.id'] }] : []),
      ...(g.MultiDatastream ? [{ set: 'MultiDatastreams' as const, id: g.MultiDatastream['@iot.id'] }] : []),
    ]
    const [stream] = links
    if (links.length !== 1 || !stream)
      throw new HttpError(400, 'BAD_REQUEST', 'each group names one Datastream or one MultiDatastream')
    for (const values of g.dataArray) {
      if (values.length !== g.components.length) {
        out.push({
          stream,
          observation: null,
          error: `${values.length} values for ${g.components.length} components`,
        })
        continue
      }
      const fields = Object.fromEntries(g.components.map((c, i) => [c, values[i]]))
      const r = ObservationBody.safeParse(fields)
      if (!r.success) {
        out.push({ stream, observation: null, error: r.error.issues[0]?.message ?? 'invalid' })
        continue
      }
      out.push({ stream, observation: observationFrom(fields, stream, now).observation })
    }
  }
  return out
}
