/**
 * German and English UI texts. `en` defines the keys; `de` must have every one of them (the type
 * checks it, a unit test checks placeholders). `{name}` placeholders are filled by `t`.
 */
export const LANGS = ['de', 'en'] as const
export type Lang = (typeof LANGS)[number]

/** Each language named in itself, for the toggle. */
export const LANG_NAMES: Readonly<Record<Lang, string>> = { de: 'Deutsch', en: 'English' }

const en = {
  appTitle: 'UrbanTwin Munich – 3D digital twin',
  skipToTable: 'Skip to the container table',
  languageLabel: 'Language',
  globeHeading: '3D map',
  globeDescription:
    'Interactive globe with the district boundaries and the used-clothing containers. Every container is also listed in the table below.',
  statusLoading: 'Loading containers…',
  statusOk: '{count} containers, updated {time}',
  statusError: 'Containers could not be loaded ({reason}). Retrying every {seconds} s.',
  statusErrorStale: 'Update failed ({reason}). Showing {count} containers from {time}.',
  containersHeading: 'Used-clothing containers',
  tableCaption: 'Every container with its latest fill level',
  colName: 'Name',
  colAddress: 'Address',
  colFill: 'Fill level',
  colTime: 'Measured',
  notGiven: 'not given',
  noContainers: 'No containers yet.',
  bandLow: 'low',
  bandMedium: 'filling up',
  bandFull: 'full',
  bandUnknown: 'no reading',
  legendHeading: 'Legend: fill level',
  legendBelow: 'below {n} %',
  legendBetween: '{from} % to below {to} %',
  legendAtLeast: '{n} % or more',
  legendNone: 'the sensor has not reported yet',
  districtsHeading: 'Districts',
  districtsDrawn: 'districts drawn',
  districtsLoading: 'Loading districts…',
  districtsError: 'Districts could not be loaded ({reason}).',
  creditsHeading: 'Sources and licences',
  creditsImagery: 'Base imagery: Natural Earth II (public domain), bundled with CesiumJS.',
} as const

export type MessageKey = keyof typeof en

const de: Record<MessageKey, string> = {
  appTitle: 'UrbanTwin München – 3D-Zwilling',
  skipToTable: 'Zur Container-Tabelle springen',
  languageLabel: 'Sprache',
  globeHeading: '3D-Karte',
  globeDescription:
    'Interaktiver Globus mit den Stadtbezirksgrenzen und den Altkleidercontainern. Jeder Container steht auch in der Tabelle unten.',
  statusLoading: 'Container werden geladen …',
  statusOk: '{count} Container, aktualisiert {time}',
  statusError: 'Container konnten nicht geladen werden ({reason}). Neuer Versuch alle {seconds} s.',
  statusErrorStale: 'Aktualisierung fehlgeschlagen ({reason}). Angezeigt: {count} Container von {time}.',
  containersHeading: 'Altkleidercontainer',
  tableCaption: 'Alle Container mit ihrem letzten Füllstand',
  colName: 'Name',
  colAddress: 'Adresse',
  colFill: 'Füllstand',
  colTime: 'Gemessen',
  notGiven: 'keine Angabe',
  noContainers: 'Noch keine Container.',
  bandLow: 'niedrig',
  bandMedium: 'füllt sich',
  bandFull: 'voll',
  bandUnknown: 'kein Messwert',
  legendHeading: 'Legende: Füllstand',
  legendBelow: 'unter {n} %',
  legendBetween: '{from} % bis unter {to} %',
  legendAtLeast: 'ab {n} %',
  legendNone: 'der Sensor hat noch nichts gemeldet',
  districtsHeading: 'Stadtbezirke',
  districtsDrawn: 'Stadtbezirke eingezeichnet',
  districtsLoading: 'Stadtbezirke werden geladen …',
  districtsError: 'Stadtbezirke konnten nicht geladen werden ({reason}).',
  creditsHeading: 'Quellen und Lizenzen',
  creditsImagery: 'Hintergrundbild: Natural Earth II (gemeinfrei), mitgeliefert mit CesiumJS.',
}

export const messages: Readonly<Record<Lang, Record<MessageKey, string>>> = { de, en }

/** `navigator.language` → UI language: German if it starts with `de`, English otherwise. */
export function pickLanguage(browserLanguage: string | undefined): Lang {
  return browserLanguage?.toLowerCase().startsWith('de') ? 'de' : 'en'
}

/** The placeholder names in a message, e.g. `['count', 'time']`. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '')
}

export function t(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return messages[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  )
}
