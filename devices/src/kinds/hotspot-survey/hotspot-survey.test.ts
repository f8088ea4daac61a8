import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Disaggregation, MultiObservationResult, suppress, type Outcome } from '@urbantwin/model'
import { decodeNative, decodeValue } from '../../decode.ts'
import type { Reading } from '../../kind.ts'
import { EVENING_HOUR, QUIET_HOUR, SURVEY_THING_PROPERTIES } from './fixtures.ts'
import { ANSWER_CELLS, hotspotSurvey } from './index.ts'

const ctx = { deviceId: 'x', properties: SURVEY_THING_PROPERTIES }
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const [answers] = hotspotSurvey.multiDatastreams ?? []
const keys = new Set([answers!.key])
const withAnswers = (answers: unknown) => ({ ...EVENING_HOUR, answers })
const { yes, no, unsure } = EVENING_HOUR.answers

function wellFormed(r: Outcome<Reading[]>): boolean {
  if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0
  return r.value.every(
    (x) => keys.has(x.key) && Array.isArray(x.result) && x.result.length === 15 && MultiObservationResult.safeParse(x.result).success,
  )
}

describe('WLAN hotspot micro-survey native JSON', () => {
  it('decodes an hour into one array: counts per answer × gender and a total per answer, at the hour', () => {
    expect(decodeNative(hotspotSurvey, bytes(EVENING_HOUR), ctx)).toEqual({
      ok: true,
      value: [
        {
          key: 'answers',
          // yes: female, male, diverse, unspecified, total; then no; then unsure
          result: [4, 9, 0, 2, 15, 6, 3, 1, 0, 10, 2, 1, 0, 1, 4],
          phenomenonTime: '2026-11-23T21:00:00.000Z',
        },
      ],
    })
  })

  it('decodes an hour without answers into zeros, not into nothing', () => {
    const r = decodeValue(hotspotSurvey, QUIET_HOUR, ctx)
    expect(r.ok && r.value).toEqual([
      { key: 'answers', result: Array(15).fill(0), phenomenonTime: '2026-11-24T04:00:00.000Z' },
    ])
  })

  it.each([
    [
      'respondent MACs',
      { ...EVENING_HOUR, respondents: ['aa:bb:cc:dd:ee:ff'] },
      /^privacy: respondents\[0\]/,
    ],
    ['a MAC as a question id', { ...EVENING_HOUR, question: 'aa-bb-cc-dd-ee-ff' }, /^privacy: question /],
    [
      'per-person records',
      { ...EVENING_HOUR, responses: [{ answer: 'yes', gender: 'female' }] },
      /Unrecognized key: "responses"/,
    ],
    ['free text', { ...EVENING_HOUR, comment: 'too dark near the tram stop' }, /Unrecognized key: "comment"/],
    [
      'free text as the question',
      { ...EVENING_HOUR, question: 'Fühlen Sie sich hier nachts sicher?' },
      /question: a question id is a lowercase slug/,
    ],
    [
      'periodStart at half past',
      { ...EVENING_HOUR, periodStart: '2026-11-23T21:30:00Z' },
      /periodStart must be on a full hour/,
    ],
    [
      'periodStart with milliseconds',
      { ...EVENING_HOUR, periodStart: '2026-11-23T21:00:00.500Z' },
      /full hour/,
    ],
    [
      'periodStart on a local half-hour offset',
      { ...EVENING_HOUR, periodStart: '2026-11-23T21:00:00+05:30' },
      /full hour/,
    ],
    ['periodStart without offset', { ...EVENING_HOUR, periodStart: '2026-11-23T21:00:00' }, /periodStart: /],
    [
      'a negative count',
      withAnswers({ yes, no: { ...no, male: -1 }, unsure }),
      /answers\.no\.male: Too small/,
    ],
    [
      'a fractional count',
      withAnswers({ yes: { ...yes, female: 0.5 }, no, unsure }),
      /answers\.yes\.female: Invalid input: expected int/,
    ],
    [
      'an unknown gender category',
      withAnswers({ yes: { ...yes, other: 1 }, no, unsure }),
      /answers\.yes: Unrecognized key: "other"/,
    ],
    [
      'a missing gender category',
      withAnswers({ yes, no, unsure: { female: 1, male: 1, diverse: 0 } }),
      /answers\.unsure\.unspecified/,
    ],
    ['an unknown answer', withAnswers({ yes, no, unsure, maybe: yes }), /answers: Unrecognized key: "maybe"/],
    ['a missing answer', withAnswers({ yes, no }), /answers\.unsure/],
    [
      'answers to another question',
      { ...EVENING_HOUR, question: 'clean-streets' },
      /question clean-streets, but the Thing of device x asks safe-at-night/,
    ],
  ])('refuses %s with a reason', (_name, payload, reason) => {
    const r = decodeNative(hotspotSurvey, bytes(payload), ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(reason)
  })

  it('refuses answers from a Thing that declares no question', () => {
    expect(decodeValue(hotspotSurvey, EVENING_HOUR, { deviceId: 'x', properties: {} })).toEqual({
      ok: false,
      reason:
        'the Thing of device x declares no survey question (properties.question); answers would have no meaning',
    })
  })

  it('declares exactly the MultiDatastream it decodes, one element per ObservedProperty', () => {
    expect(hotspotSurvey.datastreams).toEqual([])
    const m = answers!
    expect(
      [m.unitOfMeasurements, m.multiObservationDataTypes, m.observedProperties].map((x) => x.length),
    ).toEqual([15, 15, 15])
    expect(new Set(m.observedProperties.map((p) => p.definition)).size).toBe(15)
    const r = decodeValue(hotspotSurvey, EVENING_HOUR, ctx)
    expect(r.ok && new Set(r.value.map((x) => x.key))).toEqual(keys)
  })

  it('describes its cells so that suppression keeps each answer total from giving a small cell away', () => {
    const d = Disaggregation.parse(answers!.properties?.disaggregation)
    expect(d).toMatchObject({ byGender: true, provenance: 'survey', domain: 'wlan' })
    expect(d.cells.map((c) => `${c.categories?.surveyAnswer}.${c.gender}`)).toEqual(
      ANSWER_CELLS.map((c) => `${c.answer}.${c.gender}`),
    )
    expect(d.constraints).toEqual([
      { total: 4, parts: [0, 1, 2, 3] },
      { total: 9, parts: [5, 6, 7, 8] },
      { total: 14, parts: [10, 11, 12, 13] },
    ])
    // the evening hour: yes has 0 diverse and 2 unspecified; no has 1 and 0; unsure is small throughout
    const r = decodeValue(hotspotSurvey, EVENING_HOUR, ctx)
    const values = r.ok ? (r.value[0]!.result as number[]) : []
    const out = suppress(values, d, 3)
    expect(out.values.every((v, i) => v === null || values[i]! >= 3)).toBe(true)
    // every answer with a hidden category hides a second number of that answer (no total minus the rest)
    for (const c of d.constraints) {
      const hiddenHere = [c.total, ...c.parts].filter((i) => out.values[i] === null)
      expect(hiddenHere.length === 0 || hiddenHere.length >= 2).toBe(true)
    }
    expect(out.suppressed.length).toBeGreaterThan(0)
  })

  it('reports every valid hour exactly, totals included (property)', () => {
    const cell = fc.nat({ max: 100_000 })
    const byGender = fc.record({ female: cell, male: cell, diverse: cell, unspecified: cell })
    const hour = fc.integer({ min: 0, max: 200_000 }).map((h) => new Date(h * 3_600_000).toISOString())
    fc.assert(
      fc.property(
        hour,
        fc.record({ yes: byGender, no: byGender, unsure: byGender }),
        (periodStart, answers) => {
          const r = decodeValue(hotspotSurvey, { periodStart, question: 'safe-at-night', answers }, ctx)
          expect(r.ok).toBe(true)
          if (!r.ok) return
          const got = r.value[0]!.result as number[]
          ANSWER_CELLS.forEach(({ answer, gender }, i) => {
            const counts = answers[answer]
            const n = gender === 'total' ? Object.values(counts).reduce((a, b) => a + b, 0) : counts[gender]
            expect(got[i]).toBe(n)
          })
          expect(r.value.every((x) => x.phenomenonTime === periodStart)).toBe(true)
        },
      ),
    )
  })

  it('never throws on random bytes, JSON or values (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => wellFormed(decodeNative(hotspotSurvey, b, ctx))),
    )
    fc.assert(
      fc.property(fc.jsonValue(), (v) =>
        wellFormed(decodeNative(hotspotSurvey, bytes(JSON.stringify(v)), ctx)),
      ),
    )
    fc.assert(fc.property(fc.anything(), (v) => wellFormed(decodeValue(hotspotSurvey, v, ctx))))
  })
})
