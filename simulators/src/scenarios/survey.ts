import { createRng, type Rng } from '../rng.ts'
import { munichTime } from '../time/munich-time.ts'
import type { WlanSite } from '../wlan-sites.ts'
import { normal, poisson } from './distributions.ts'
import { apLoadFactor, apSiteType, type ApSiteType } from './rhythms.ts'
import { hash32, simulatedDevEui, type Emission, type Scenario, type SimDevice } from './scenario.ts'

const GENDERS = ['female', 'male', 'diverse', 'unspecified'] as const
type Gender = (typeof GENDERS)[number]
/** Who answers a splash-page question: roughly the population, with some choosing not to say. */
const GENDER_MIX: Record<Gender, number> = { female: 0.48, male: 0.46, diverse: 0.01, unspecified: 0.05 }
/**
 * P(yes) to "Do you feel safe here at night?" by gender, by day and by night (illustrative values of
 * the known pattern that women report feeling less safe after dark); P(unsure) is constant.
 */
const P_YES: Record<Gender, { day: number; night: number }> = {
  female: { day: 0.82, night: 0.52 },
  male: { day: 0.88, night: 0.74 },
  diverse: { day: 0.78, night: 0.5 },
  unspecified: { day: 0.8, night: 0.6 },
}
const P_UNSURE = 0.08
/** Share of a site's clients that answer per hour. */
const RESPONSE_RATE = 0.03

export const SURVEY_QUESTION = {
  question: 'safe-at-night',
  questionText: { de: 'Fühlen Sie sich hier nachts sicher?', en: 'Do you feel safe here at night?' },
}

export function surveyDevices(sites: readonly WlanSite[], count = Number.POSITIVE_INFINITY): SimDevice[] {
  return sites.slice(0, Math.min(sites.length, count)).map((site) => {
    const deviceId = `survey-${site.siteId}`
    return {
      deviceId,
      devEui: simulatedDevEui(deviceId),
      kind: 'hotspot-survey',
      name: `Umfrage M-WLAN ${site.address ?? site.siteId}`,
      address: site.address,
      lon: site.lon,
      lat: site.lat,
      properties: {
        siteId: site.siteId,
        rhythm: apSiteType(site.type),
        accessPoints: site.accessPoints,
        ...SURVEY_QUESTION,
      },
    }
  })
}

function pickGender(rng: Rng): Gender {
  let x = rng()
  for (const g of GENDERS) {
    x -= GENDER_MIX[g]
    if (x < 0) return g
  }
  return 'unspecified'
}

/**
 * Hourly aggregates of an anonymous splash-page question per hotspot: respondents follow the site's
 * visitors, answers depend on gender and day/night. Only counts leave the "device".
 */
export function surveyScenario(sites: readonly WlanSite[], opts: { seed: number; count?: number }): Scenario {
  const devices = surveyDevices(sites, opts.count)
  const rngs = new Map(devices.map((d) => [d.deviceId, createRng(hash32(`${opts.seed}:${d.deviceId}`))]))
  const counters = { messages: 0, respondents: 0 }
  return {
    kind: 'hotspot-survey',
    devices,
    reportEveryMinutes: 60,
    tick(t) {
      const periodStart = new Date(Math.floor(t.getTime() / 3_600_000) * 3_600_000 - 3_600_000)
      const local = munichTime(periodStart)
      const night = local.hour >= 20 || local.hour < 6
      const out: Emission[] = []
      for (const d of devices) {
        const rng = rngs.get(d.deviceId)!
        const visitors =
          30 * Number(d.properties.accessPoints ?? 1) * apLoadFactor(d.properties.rhythm as ApSiteType, local)
        const respondents = poisson(rng, Math.max(0, visitors * RESPONSE_RATE * Math.exp(normal(rng) * 0.2)))
        const answers = {
          yes: { female: 0, male: 0, diverse: 0, unspecified: 0 },
          no: { female: 0, male: 0, diverse: 0, unspecified: 0 },
          unsure: { female: 0, male: 0, diverse: 0, unspecified: 0 },
        }
        for (let i = 0; i < respondents; i++) {
          const g = pickGender(rng)
          const x = rng()
          const yes = P_YES[g][night ? 'night' : 'day'] * (1 - P_UNSURE)
          answers[x < P_UNSURE ? 'unsure' : x < P_UNSURE + yes ? 'yes' : 'no'][g]++
        }
        counters.respondents += respondents
        out.push({
          deviceId: d.deviceId,
          payload: {
            periodStart: periodStart.toISOString().replace('.000Z', 'Z'),
            question: SURVEY_QUESTION.question,
            answers,
          },
        })
      }
      counters.messages += out.length
      return out
    },
    stats: () => ({ surveyHotspots: devices.length, ...counters }),
  }
}
