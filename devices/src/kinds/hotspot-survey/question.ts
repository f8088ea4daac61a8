import { z } from 'zod'
import { fail, ok, type Outcome } from '@urbantwin/model'
import type { DeviceContext } from '../../kind.ts'

/** A question's id: a lowercase slug such as `safe-at-night`, never free text. */
export const QuestionId = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a question id is a lowercase slug like safe-at-night')
export type QuestionId = z.infer<typeof QuestionId>

/**
 * The question lives in the Thing, not in the stream: a kind's streams are fixed, so the element
 * "yes, female" of its answers means "answered yes" to whatever the Thing asks. One Thing asks one question
 * for its whole life; asking a new one at the same hotspot is a new Thing (device id), so stored
 * answers never change meaning. Example Thing properties:
 * `{"question":"safe-at-night","questionText":{"de":"Fühlen Sie sich hier nachts sicher?","en":"Do you feel safe here at night?"}}`
 */
export const SurveyThingProperties = z.looseObject({
  question: QuestionId,
  questionText: z.object({ de: z.string().min(1), en: z.string().min(1) }).optional(),
})
export type SurveyThingProperties = z.infer<typeof SurveyThingProperties>

/** The question the sending device's Thing asks, or why answers cannot be attributed to one. */
export function questionOf(ctx: DeviceContext): Outcome<QuestionId> {
  const r = QuestionId.safeParse(ctx.properties.question)
  if (r.success) return ok(r.data)
  return fail(
    `the Thing of device ${ctx.deviceId} declares no survey question (properties.question); answers would have no meaning`,
  )
}
