import { Gender, fail, ok, type Outcome } from '@urbantwin/model'
import type { DeviceKind, Reading } from '../../kind.ts'
import { validate } from '../../json-payload.ts'
import { SURVEY_DATASTREAMS, answerKey } from './datastreams.ts'
import { HotspotSurveyPayload, SurveyAnswer } from './payload.ts'
import { questionOf } from './question.ts'

/** A validated hour of answers → one count per answer × gender, and one total per answer, at the hour. */
export function surveyReadings(p: HotspotSurveyPayload): Reading[] {
  const phenomenonTime = new Date(p.periodStart).toISOString()
  return SurveyAnswer.options.flatMap((answer) => {
    const counts = p.answers[answer]
    const total = Gender.options.reduce((sum, g) => sum + counts[g], 0)
    return [
      ...Gender.options.map((g) => ({ key: answerKey(answer, g), result: counts[g], phenomenonTime })),
      { key: answerKey(answer, 'total'), result: total, phenomenonTime },
    ]
  })
}

export const hotspotSurvey: DeviceKind = {
  id: 'hotspot-survey',
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
  datastreams: SURVEY_DATASTREAMS,
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
export { answerKey } from './datastreams.ts'
