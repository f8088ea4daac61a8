/**
 * Datenlizenz Deutschland – Namensnennung 2.0, as GovData and DCAT-AP.de name it: the licence's
 * canonical page (shown to readers, never fetched) and its DCAT-AP.de IRI. The City of Munich
 * publishes its open data under it; so does the platform by default.
 */
export const DL_DE_BY_2_0 = {
  id: 'dl-de/by-2-0',
  name: 'Datenlizenz Deutschland – Namensnennung – Version 2.0',
  url: 'https://www.govdata.de/dl-de/by-2-0',
  uri: 'http://dcat-ap.de/def/licenses/dl-by-de/2.0',
} as const

/** The licence and attribution of data from elsewhere, in its entity's `properties`. */
export type SourceLicence = {
  license: typeof DL_DE_BY_2_0 | { id: string; name: string; url: string }
  attribution: string
}
