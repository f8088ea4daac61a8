import { Gender, fail, ok, type Outcome } from '@urbantwin/model'
import type { DeviceKind, Reading } from '../../kind.ts'
import { validate } from '../../json-payload.ts'
import { ANSWERS_KEY, ANSWER_CELLS, SURVEY_MULTI_DATASTREAMS } from './datastreams.ts'
import { HotspotSurveyPayload } from './payload.ts'
import { questionOf } from './question.ts'

/** A validated hour of answers → one reading: per answer, the count of each gender category and the total. */
export function surveyReadings(p: HotspotSurveyPayload): Reading[] {
  const result = ANSWER_CELLS.map(({ answer, gender }) =>
    gender === 'total'
      ? Gender.options.reduce((sum, g) => sum + p.answers[answer][g], 0)
      : p.answers[answer][gender],
  )
  return [{ key: ANSWERS_KEY, result, phenomenonTime: new Date(p.periodStart).toISOString() }]
}

export const hotspotSurvey: DeviceKind = {
  id: 'hotspot-survey',
  domain: 'wlan',
  name: 'WLAN hotspot micro-survey',
  description:
    'Optional anonymous question on a public WLAN splash page; hourly answer counts by gender category',
  sensor: {
    name: 'Splash-page survey',
    description:
      'Counts the closed answers (yes, no, unsure) given on the hotspot splash page per hour, by gender category',
    encodingType: 'text/plain',
    metadata: 'Hourly aggregates from the splash-page service; no per-person records are sent or kept',
  },
  datastreams: [],
  multiDatastreams: SURVEY_MULTI_DATASTREAMS,
  payload: HotspotSurveyPayload,
  decodeObject(value, ctx): Outcome<Reading[]> {
    const p = validate(HotspotSurveyPayload, value)
    if (!p.ok) return p
    const asked = questionOf(ctx)
    if (!asked.ok) return asked
    if (p.value.question !== asked.value) {
      return fail(
        `answers are for question ${p.value.question}, but the Thing of device ${ctx.deviceId} asks ${asked.value}`,
      )
    }
    return ok(surveyReadings(p.value))
  },
}

export { HotspotSurveyPayload, SurveyAnswer } from './payload.ts'
export { QuestionId, SurveyThingProperties, questionOf } from './question.ts'
export { ANSWERS_KEY, ANSWER_CELLS } from './datastreams.ts'
