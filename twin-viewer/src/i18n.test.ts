import { describe, expect, it } from 'vitest'
import { LANGS, messages, pickLanguage, placeholders, t } from './i18n.ts'

describe('messages', () => {
  const keys = new Set(LANGS.flatMap((lang) => Object.keys(messages[lang])))

  it.each([...keys])('%s exists, non-empty, in every language with the same placeholders', (key) => {
    const [first, ...rest] = LANGS.map((lang) => messages[lang][key as keyof (typeof messages)['en']])
    for (const text of [first, ...rest]) expect(text?.trim()).toBeTruthy()
    for (const text of rest) expect(placeholders(text ?? '').sort()).toEqual(placeholders(first ?? '').sort())
  })

  it('differ between languages for translated texts', () => {
    expect(messages.de.containersHeading).not.toBe(messages.en.containersHeading)
  })
})

describe('pickLanguage', () => {
  it.each([
    ['de', 'de'],
    ['de-DE', 'de'],
    ['DE-at', 'de'],
    ['en-GB', 'en'],
    ['fr', 'en'],
    [undefined, 'en'],
    ['', 'en'],
  ] as const)('%s → %s', (input, lang) => {
    expect(pickLanguage(input)).toBe(lang)
  })
})

describe('t', () => {
  it('fills placeholders', () => {
    expect(t('en', 'statusOk', { count: 12, time: '10:42' })).toBe('12 containers, updated 10:42')
    expect(t('de', 'statusOk', { count: 12, time: '10:42' })).toBe('12 Container, aktualisiert 10:42')
  })

  it('leaves unknown placeholders visible rather than dropping them', () => {
    expect(t('en', 'statusOk', { count: 1 })).toBe('1 containers, updated {time}')
  })
})
