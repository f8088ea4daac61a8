import { fail, ok, type Outcome } from '@urbantwin/model'
import { HttpError } from '../../http/errors.ts'
import { observationFrom, type ObservationDraft, type StreamRef } from '../write/observations.ts'
import { parseStaTopic } from './topic.ts'

/** Largest PUBLISH body taken as an Observation. */
export const MAX_OBSERVATION_BYTES = 64 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * STA 14.2.2 (create an Observation over MQTT): a PUBLISH on `v1.1/Datastreams(id)/Observations`, or
 * on `v1.1/Observations` with `"Datastream": {"@iot.id": id}` in the body, holds the Observation as
 * JSON, with the rules of `POST` (write/observations.ts): result required, phenomenonTime defaults
 * to `now`. Pure; whether the Datastream exists is for the caller to check.
 */
export function observationFromMessage(
  topic: string,
  payload: Uint8Array,
  now: Date,
): Outcome<ObservationDraft> {
  const t = parseStaTopic(topic)
  if (!t.ok) return t
  const target = t.value.target
  if (target.kind !== 'collection' || target.set !== 'Observations')
    return fail(
      `only Observations are created over MQTT (STA 14.2.2): publish on v1.1/Observations or v1.1/Datastreams(<id>)/Observations, not ${t.value.path}`,
    )
  if (t.value.select) return fail('a topic with $select only delivers; publish the Observation without it')
  if (payload.byteLength > MAX_OBSERVATION_BYTES)
    return fail(
      `an Observation message has at most ${MAX_OBSERVATION_BYTES} bytes, not ${payload.byteLength}`,
    )
  let body: unknown
  try {
    body = JSON.parse(utf8.decode(payload))
  } catch {
    return fail('the message is not UTF-8 JSON')
  }
  try {
    // Observations are a navigation collection of Datastreams and MultiDatastreams only (TOPIC_NAVIGATION)
    return ok(observationFrom(body, target.parent as StreamRef | null, now))
  } catch (err) {
    if (err instanceof HttpError) return fail(err.message)
    throw err
  }
}
