import { z } from 'zod'
import { Id, ObservationResult, type NewObservation } from '@urbantwin/model'
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
    result: ObservationResult,
    resultQuality: z.string().min(1).max(500).nullable().optional(),
    Datastream: Link.optional(),
  })
  .strict()
export type ObservationBody = z.infer<typeof ObservationBody>

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

/** The new Observation a POST describes, for the Datastream the path or the body names. */
export function observationFrom(body: unknown, pathDatastream: Id | null, now: Date): NewObservation {
  refuseNotStored(body, 'Observation')
  const o = parse(ObservationBody, body, 'Observation')
  const linked = o.Datastream?.['@iot.id']
  if (pathDatastream !== null && linked !== undefined && linked !== pathDatastream)
    throw new HttpError(400, 'BAD_REQUEST', `the body links Datastream ${linked}, the path ${pathDatastream}`)
  const datastreamId = pathDatastream ?? linked
  if (datastreamId === undefined)
    throw new HttpError(
      400,
      'BAD_REQUEST',
      'an Observation needs its Datastream: "Datastream": {"@iot.id": <id>}',
    )
  const phenomenonTime = new Date(o.phenomenonTime ?? now).toISOString()
  return {
    datastreamId,
    phenomenonTime,
    resultTime: o.resultTime ? new Date(o.resultTime).toISOString() : phenomenonTime,
    result: o.result,
    ...(o.resultQuality ? { resultQuality: o.resultQuality } : {}),
  }
}

/** Rows one CreateObservations request may carry. */
export const MAX_CREATE_ROWS = 10_000

const COMPONENTS = ['phenomenonTime', 'resultTime', 'result', 'resultQuality'] as const
const Group = z
  .object({
    Datastream: Link,
    components: z.array(z.string()).min(1),
    'dataArray@iot.count': z.number().int().nonnegative().optional(),
    dataArray: z.array(z.array(z.unknown())),
  })
  .strict()
export const CreateObservationsBody = z.array(Group).min(1)

/** One row of a CreateObservations request: the Observation, or why it cannot be one. */
export type CreateRow = { datastreamId: Id; observation: NewObservation | null; error?: string }

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
    const datastreamId = g.Datastream['@iot.id']
    for (const values of g.dataArray) {
      if (values.length !== g.components.length) {
        out.push({
          datastreamId,
          observation: null,
          error: `${values.length} values for ${g.components.length} components`,
        })
        continue
      }
      const fields = Object.fromEntries(g.components.map((c, i) => [c, values[i]]))
      const r = ObservationBody.safeParse(fields)
      if (!r.success) {
        out.push({ datastreamId, observation: null, error: r.error.issues[0]?.message ?? 'invalid' })
        continue
      }
      out.push({ datastreamId, observation: observationFrom(fields, datastreamId, now) })
    }
  }
  return out
}
