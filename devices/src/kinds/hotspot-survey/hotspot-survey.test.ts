import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ObservationResult, type Outcome } from '@urbantwin/model'
import { decodeNative, decodeValue } from '../../decode.ts'
import type { Reading } from '../../kind.ts'
import { EVENING_HOUR, QUIET_HOUR, SURVEY_THING_PROPERTIES } from './fixtures.ts'
import { hotspotSurvey } from './index.ts'

const ctx = { deviceId: 'x', properties: SURVEY_THING_PROPERTIES }
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const keys = new Set(hotspotSurvey.datastreams.map((d) => d.key))
const withAnswers = (answers: unknown) => ({ ...EVENING_HOUR, answers })
const { yes, no, unsure } = EVENING_HOUR.answers

function wellFormed(r: Outcome<Reading[]>): boolean {
  if (!r.ok) return typeof r.reason === 'string' && r.reason.length > 0
  return r.value.every((x) => keys.has(x.key) && ObservationResult.safeParse(x.result).success)
}

describe('WLAN hotspot micro-survey native JSON', () => {
  it('decodes an hour into counts per answer × gender and a total per answer, at the hour', () => {
    const phenomenonTime = '2026-11-23T21:00:00.000Z'
    const expected: [string, number][] = [
      ['answers.yes.female', 4],
      ['answers.yes.male', 9],
      ['answers.yes.diverse', 0],
      ['answers.yes.unspecified', 2],
      ['answers.yes.total', 15],
      ['answers.no.female', 6],
      ['answers.no.male', 3],
      ['answers.no.diverse', 1],
      ['answers.no.unspecified', 0],
      ['answers.no.total', 10],
      ['answers.unsure.female', 2],
      ['answers.unsure.male', 1],
      ['answers.unsure.diverse', 0],
      ['answers.unsure.unspecified', 1],
      ['answers.unsure.total', 4],
    ]
    expect(decodeNative(hotspotSurvey, bytes(EVENING_HOUR), ctx)).toEqual({
      ok: true,
      value: expected.map(([key, result]) => ({ key, result, phenomenonTime })),
    })
  })

  it('decodes an hour without answers into zeros, not into nothing', () => {
    const r = decodeValue(hotspotSurvey, QUIET_HOUR, ctx)
    expect(r.ok && r.value).toHaveLength(15)
    expect(
      r.ok && r.value.every((x) => x.result === 0 && x.phenomenonTime === '2026-11-24T04:00:00.000Z'),
    ).toBe(true)
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

  it('declares exactly the Datastreams it decodes, with unique keys', () => {
    expect(hotspotSurvey.datastreams).toHaveLength(15)
    expect(keys.size).toBe(15)
    const r = decodeValue(hotspotSurvey, EVENING_HOUR, ctx)
    expect(r.ok && new Set(r.value.map((x) => x.key))).toEqual(keys)
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
          const got = new Map(r.value.map((x) => [x.key, x.result]))
          for (const [answer, counts] of Object.entries(answers)) {
            for (const [gender, n] of Object.entries(counts))
              expect(got.get(`answers.${answer}.${gender}`)).toBe(n)
            const total = Object.values(counts).reduce((a, b) => a + b, 0)
            expect(got.get(`answers.${answer}.total`)).toBe(total)
          }
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
