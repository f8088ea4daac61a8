import {
  GENDER_LABELS,
  Gender,
  type DisaggregationInput,
  type GenderCell,
  type MultiDatastreamSpec,
  type ObservedProperty,
} from '@urbantwin/model'
import { COUNT, COUNT_OBSERVATION } from '../../units.ts'
import { SurveyAnswer } from './payload.ts'

/**
 * No public vocabulary (Smart Data Models included) has terms for answers to a city's micro-survey, so
 * the ObservedProperties get our own URNs: `urn:urbantwin:property:survey:<answer>:<gender|total>`.
 * They name the answer and the respondents' gender category, not the question: the question is the
 * Thing's `properties.question` (see question.ts), which keeps the stream fixed for the kind.
 */
const OWN = 'urn:urbantwin:property:survey'

/** The MultiDatastream key of a hotspot's hourly answers. */
export const ANSWERS_KEY = 'answers'

/** The result's elements: per answer, one count per gender category, then the answer's total. */
export const ANSWER_CELLS: readonly { answer: SurveyAnswer; gender: GenderCell }[] =
  SurveyAnswer.options.flatMap((answer) =>
    [...Gender.options, 'total' as const].map((gender) => ({ answer, gender })),
  )

function respondents(gender: GenderCell): string {
  return gender === 'total'
    ? 'all respondents'
    : `respondents of gender ${GENDER_LABELS[gender].en} (${GENDER_LABELS[gender].de})`
}

function property({ answer, gender }: (typeof ANSWER_CELLS)[number]): ObservedProperty {
  return {
    name: `Survey answer ${answer}, ${gender}`,
    definition: `${OWN}:${answer}:${gender}`,
    description: `Number of ${respondents(gender)} giving the answer "${answer}"`,
  }
}

/**
 * What the elements are, for the API's small-cell suppression: counts of people, and per answer the
 * total is the sum of the four gender categories (so a hidden category cannot be recovered from it).
 */
const DISAGGREGATION: DisaggregationInput = {
  dimensions: ['gender', 'surveyAnswer'],
  byGender: true,
  genderCategories: [...Gender.options],
  source: 'UrbanTwin hotspot micro-survey: optional, anonymous question on the public WLAN splash page',
  provenance: 'survey',
  domain: 'wlan',
  note: 'Respondents choose their gender category themselves (female, male, diverse, no answer); it is never inferred from device data. Self-selected respondents, not a representative sample.',
  cells: ANSWER_CELLS.map(({ answer, gender }) => ({
    name: `${answer}.${gender}`,
    gender,
    categories: { surveyAnswer: answer },
    measure: 'count' as const,
  })),
  constraints: SurveyAnswer.options.map((answer) => {
    const at = (gender: GenderCell) =>
      ANSWER_CELLS.findIndex((c) => c.answer === answer && c.gender === gender)
    return { total: at('total'), parts: Gender.options.map(at) }
  }),
}

/** One MultiDatastream per hotspot: an hour's answers, 3 answers × (4 gender categories + total) = 15. */
export const SURVEY_MULTI_DATASTREAMS: readonly MultiDatastreamSpec[] = [
  {
    key: ANSWERS_KEY,
    name: 'Survey answers per hour',
    description:
      "Per hour starting at phenomenonTime: how many respondents gave each answer to the Thing's question, by gender category, and each answer's total. Exact counts are stored; small cells are suppressed when served",
    unitOfMeasurements: ANSWER_CELLS.map(() => COUNT),
    multiObservationDataTypes: ANSWER_CELLS.map(() => COUNT_OBSERVATION),
    observedProperties: ANSWER_CELLS.map(property),
    properties: { disaggregation: DISAGGREGATION },
  },
]
