/** Realistic hourly uplinks of the splash-page micro-survey at an M-WLAN hotspot. */

/** The Thing properties of the hotspot survey these fixtures belong to. */
export const SURVEY_THING_PROPERTIES = {
  question: 'safe-at-night',
  questionText: { de: 'Fühlen Sie sich hier nachts sicher?', en: 'Do you feel safe here at night?' },
}

/** 22:00–23:00 local time (CET) at a busy square. */
export const EVENING_HOUR = {
  periodStart: '2026-11-23T22:00:00+01:00',
  question: 'safe-at-night',
  answers: {
    yes: { female: 4, male: 9, diverse: 0, unspecified: 2 },
    no: { female: 6, male: 3, diverse: 1, unspecified: 0 },
    unsure: { female: 2, male: 1, diverse: 0, unspecified: 1 },
  },
}

/** An hour in which nobody answered: still sent, so a zero is known to be a zero. */
export const QUIET_HOUR = {
  periodStart: '2026-11-24T04:00:00Z',
  question: 'safe-at-night',
  answers: {
    yes: { female: 0, male: 0, diverse: 0, unspecified: 0 },
    no: { female: 0, male: 0, diverse: 0, unspecified: 0 },
    unsure: { female: 0, male: 0, diverse: 0, unspecified: 0 },
  },
}
