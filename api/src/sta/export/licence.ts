import { z } from 'zod'
import { DL_DE_BY_2_0 } from '@urbantwin/model'

/**
 * Under which licence, and with which attribution, the platform publishes its data (issue 5:
 * open-data exports). Every export (CSV, GeoJSON) and the DCAT catalogue carry it.
 */
export const OpenDataLicence = z.object({
  licence: z.object({
    id: z.string().min(1).describe('Short licence id, e.g. dl-de/by-2-0'),
    name: z
      .string()
      .min(1)
      .describe('Licence title, e.g. Datenlizenz Deutschland – Namensnennung – Version 2.0'),
    url: z.url().describe('Licence text for people: the HTTP `Link: <…>; rel="license"` target'),
    uri: z.url().describe('Licence IRI for `dct:license` (DCAT-AP.de licence vocabulary)'),
  }),
  attribution: z.string().min(1).describe('Attribution text users must show, e.g. "UrbanTwin – City of X"'),
  publisher: z.object({ name: z.string().min(1), url: z.url().optional() }),
  contact: z
    .object({ name: z.string().min(1), email: z.email().optional(), url: z.url().optional() })
    .optional(),
})
export type OpenDataLicence = z.infer<typeof OpenDataLicence>

export { DL_DE_BY_2_0 }

/** What applies when the operator configured nothing: dl-de/by-2-0, attribution "UrbanTwin – <publisher>". */
export function defaultOpenData(publisher = 'Urban Data Platform'): OpenDataLicence {
  return {
    licence: { ...DL_DE_BY_2_0 },
    attribution: `UrbanTwin – ${publisher}`,
    publisher: { name: publisher },
  }
}

const utf8 = new TextEncoder()
const percent = (c: string) =>
  [...utf8.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')

/**
 * A header-safe form of a text: characters outside printable ASCII, and `%` itself, as percent-encoded
 * UTF-8. ASCII text stays readable; `decodeURIComponent` always gives the text back.
 */
export function headerText(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, percent)
}

/** RFC 8187 ext-value (`UTF-8''…`), for `title*` in a Link header (RFC 8288 3.4.1). */
export function extValue(text: string): string {
  return `UTF-8''${text.replace(/[^A-Za-z0-9!#$&+\-.^_`|~]/gu, percent)}`
}

/**
 * The licence as HTTP headers on every export:
 * `Link: <licence url>; rel="license"; title*=UTF-8''…` (RFC 8288) and `X-Attribution` (see headerText).
 */
export function licenceHeaders(o: OpenDataLicence): [string, string][] {
  return [
    ['Link', `<${new URL(o.licence.url).href}>; rel="license"; title*=${extValue(o.licence.name)}`],
    ['X-Attribution', headerText(o.attribution)],
  ]
}

/**
 * The licence and attribution a (Multi)Datastream's own data comes with (`properties.license`,
 * `properties.attribution`, as the statistics importer writes them), or null when it has none.
 */
export function sourceLicence(
  properties: Record<string, unknown> | undefined,
): { attribution: string; licence: { name?: string; url?: string } | null } | null {
  const attribution = properties?.attribution
  if (typeof attribution !== 'string' || attribution === '') return null
  const l = properties?.license as { name?: unknown; url?: unknown } | undefined
  const licence =
    l && typeof l.url === 'string' && URL.canParse(l.url)
      ? { url: l.url, ...(typeof l.name === 'string' ? { name: l.name } : {}) }
      : null
  return { attribution, licence }
}

/** The platform's licence terms with a source's attribution added (exports of that source's data). */
export function withSource(o: OpenDataLicence, source: { attribution: string } | null): OpenDataLicence {
  return source ? { ...o, attribution: `${o.attribution}. ${source.attribution}` } : o
}

/**
 * A source's licence as HTTP headers on every response of its (Multi)Datastream: `Link` to its licence
 * (rel="license") and its attribution as `X-Attribution` (both after the platform's, where those are set).
 */
export function sourceHeaders(source: NonNullable<ReturnType<typeof sourceLicence>>): [string, string][] {
  const out: [string, string][] = [['X-Attribution', headerText(source.attribution)]]
  if (source.licence?.url)
    out.unshift([
      'Link',
      `<${new URL(source.licence.url).href}>; rel="license"${source.licence.name ? `; title*=${extValue(source.licence.name)}` : ''}`,
    ])
  return out
}
