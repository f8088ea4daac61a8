import { validateHeaderValue } from 'node:http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OpenDataLicence, defaultOpenData, extValue, headerText, licenceHeaders } from './licence.ts'

/** Text without lone surrogates (which UTF-8 cannot carry). */
const text = fc.string({ unit: 'grapheme', maxLength: 60 })

describe('open-data licence', () => {
  it('defaults to dl-de/by-2-0 with the attribution "UrbanTwin – <publisher>"', () => {
    const o = defaultOpenData('Landeshauptstadt München')
    expect(OpenDataLicence.parse(o)).toEqual(o)
    expect(o.licence).toMatchObject({ id: 'dl-de/by-2-0', url: 'https://www.govdata.de/dl-de/by-2-0' })
    expect(o.attribution).toBe('UrbanTwin – Landeshauptstadt München')
  })

  it('sends the licence as Link rel="license" with an RFC 8187 title, and the attribution', () => {
    const headers = licenceHeaders(defaultOpenData('City'))
    expect(headers).toEqual([
      [
        'Link',
        `<https://www.govdata.de/dl-de/by-2-0>; rel="license"; title*=UTF-8''Datenlizenz%20Deutschland%20%E2%80%93%20Namensnennung%20%E2%80%93%20Version%202.0`,
      ],
      ['X-Attribution', 'UrbanTwin %E2%80%93 City'],
    ])
  })

  it('keeps ASCII attributions readable and any text recoverable with decodeURIComponent', () => {
    expect(headerText('© OpenStreetMap contributors, 100%')).toBe('%C2%A9 OpenStreetMap contributors, 100%25')
    fc.assert(
      fc.property(text, (s) => {
        const h = headerText(s)
        expect(() => validateHeaderValue('X-Attribution', h)).not.toThrow()
        expect(h).toMatch(/^[\x20-\x7e]*$/)
        expect(decodeURIComponent(h)).toBe(s)
        const ext = extValue(s)
        expect(ext).toMatch(/^UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]*$/)
        expect(decodeURIComponent(ext.slice("UTF-8''".length))).toBe(s)
      }),
    )
  })

  it('builds header values Node accepts for any configured texts', () => {
    fc.assert(
      fc.property(
        text.filter((s) => s.length > 0),
        text.filter((s) => s.length > 0),
        (name, attribution) => {
          const o = { ...defaultOpenData(), attribution, licence: { ...defaultOpenData().licence, name } }
          for (const [key, value] of licenceHeaders(o))
            expect(() => validateHeaderValue(key, value)).not.toThrow()
        },
      ),
    )
  })
})
