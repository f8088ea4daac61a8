import { GENDER_LABELS, Gender, type DatastreamSpec } from '@urbantwin/model'
import { COUNT, COUNT_OBSERVATION } from '../../units.ts'
import { SurveyAnswer } from './payload.ts'

/**
 * No public vocabulary (Smart Data Models included) has terms for answers to a city's micro-survey, so
 * the ObservedProperties get our own URNs: `urn:urbantwin:property:survey:<answer>:<gender|total>`.
 * They name the answer and the respondents' gender category, not the question: the question is the
 * Thing's `properties.question` (see question.ts), which keeps this Datastream set fixed for the kind.
 */
const OWN = 'urn:urbantwin:property:survey'

const TOTAL = 'total'
type Cell = Gender | typeof TOTAL

/** The Datastream key of one cell, e.g. `answers.yes.female` or `answers.yes.total`. */
export function answerKey(answer: SurveyAnswer, cell: Cell): string {
  return `answers.${answer}.${cell}`
}

function answerStream(answer: SurveyAnswer, cell: Cell): DatastreamSpec {
  const who =
    cell === TOTAL
      ? 'all respondents'
      : `respondents of gender ${GENDER_LABELS[cell].en} (${GENDER_LABELS[cell].de})`
  return {
    key: answerKey(answer, cell),
    name: `Answered ${answer}, ${cell}`,
    description: `Per hour starting at phenomenonTime: ${who} who answered "${answer}" to the Thing's question. Exact count; small cells are suppressed when served, not here`,
    unitOfMeasurement: COUNT,
    observationType: COUNT_OBSERVATION,
    observedProperty: {
      name: `Survey answer ${answer}, ${cell}`,
      definition: `${OWN}:${answer}:${cell}`,
      description: `Number of ${who} giving the answer "${answer}"`,
    },
  }
}

/** Per answer: one stream per gender category, then its total. 3 × (4 + 1) = 15. */
export const SURVEY_DATASTREAMS: readonly DatastreamSpec[] = SurveyAnswer.options.flatMap((answer) => [
  ...Gender.options.map((g) => answerStream(answer, g)),
  answerStream(answer, TOTAL),
])
