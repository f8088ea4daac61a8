import { describe, expect, it } from 'vitest'
import { bandLabel, bandRange } from './band-text.ts'
import { FILL_BANDS } from './fill-colour.ts'
import { LANGS } from './i18n.ts'

describe('band text', () => {
  it('names each band and its range in both languages, from the thresholds', () => {
    expect(bandLabel('en', 'full')).toBe('full')
    expect(bandLabel('de', 'full')).toBe('voll')
    expect(bandRange('en', 'medium')).toBe('50 % to below 80 %')
    expect(bandRange('de', 'full')).toBe('ab 80 %')
  })

  it('gives every band distinct, filled-in words', () => {
    for (const lang of LANGS) {
      const labels = FILL_BANDS.map((band) => bandLabel(lang, band))
      expect(new Set(labels).size).toBe(FILL_BANDS.length)
      for (const text of [...labels, ...FILL_BANDS.map((band) => bandRange(lang, band))])
        expect(text).not.toMatch(/[{}]/)
    }
  })
})
