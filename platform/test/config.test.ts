import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { describe, expect, it } from 'vitest'
import { defaultOpenData } from '@urbantwin/api'
import { envExample, loadConfig, openDataOf } from '../src/config.ts'

describe('platform config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      HTTP_PORT: 8080,
      MQTT_PORT: 1883,
      DATA_DIR: './data',
      LOG_LEVEL: 'info',
    })
  })

  it('accepts port 0 and fails fast with the variable name on bad values', () => {
    expect(loadConfig({ HTTP_PORT: '0', MQTT_PORT: '0' })).toMatchObject({ HTTP_PORT: 0, MQTT_PORT: 0 })
    expect(() => loadConfig({ HTTP_PORT: '70000' })).toThrow(/HTTP_PORT/)
    expect(() => loadConfig({ LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL/)
  })

  it('parses the API security settings and refuses bad ones', () => {
    expect(loadConfig({})).toMatchObject({
      API_ANONYMOUS_READ: true,
      API_MAX_EXPAND_DEPTH: 4,
      API_MAX_BODY: '1mb',
      API_REQUEST_TIMEOUT_MS: 30_000,
      API_RATE_LIMIT_PER_MINUTE: 600,
      API_CORS_ORIGINS: '*',
      API_TRUST_PROXY: false,
    })
    expect(
      loadConfig({
        API_ANONYMOUS_READ: 'false',
        API_CORS_ORIGINS: 'https://a.example.org, http://localhost:5173',
        API_TRUST_PROXY: '1',
      }),
    ).toMatchObject({
      API_ANONYMOUS_READ: false,
      API_CORS_ORIGINS: ['https://a.example.org', 'http://localhost:5173'],
      API_TRUST_PROXY: 1,
    })
    expect(loadConfig({ API_CORS_ORIGINS: '', API_TRUST_PROXY: 'loopback, 10.0.0.0/8' })).toMatchObject({
      API_CORS_ORIGINS: [],
      API_TRUST_PROXY: 'loopback, 10.0.0.0/8',
    })
    expect(() => loadConfig({ API_CORS_ORIGINS: 'a.example.org/path' })).toThrow(/API_CORS_ORIGINS/)
    expect(() => loadConfig({ API_MAX_BODY: 'huge' })).toThrow(/API_MAX_BODY/)
    expect(() => loadConfig({ API_ANONYMOUS_READ: 'yes' })).toThrow(/API_ANONYMOUS_READ/)
    expect(() => loadConfig({ API_TRUST_PROXY: 'any proxy at all' })).toThrow(/API_TRUST_PROXY/)
  })

  it('names the publisher, licence and attribution of the open data from the settings', () => {
    expect(openDataOf(loadConfig({}))).toEqual(defaultOpenData())
    const city = openDataOf(
      loadConfig({
        OPEN_DATA_PUBLISHER: 'Landeshauptstadt München',
        OPEN_DATA_CONTACT_EMAIL: 'opendata@muenchen.invalid',
        OPEN_DATA_LICENCE_ID: 'cc-by/4.0',
        OPEN_DATA_LICENCE_NAME: 'Creative Commons Namensnennung 4.0 International',
        OPEN_DATA_LICENCE_URL: 'https://creativecommons.org/licenses/by/4.0/',
        OPEN_DATA_LICENCE_URI: 'http://dcat-ap.de/def/licenses/cc-by/4.0',
      }),
    )
    expect(city).toMatchObject({
      licence: { id: 'cc-by/4.0' },
      attribution: 'UrbanTwin – Landeshauptstadt München',
      publisher: { name: 'Landeshauptstadt München' },
      contact: { email: 'opendata@muenchen.invalid' },
    })
    expect(() => openDataOf(loadConfig({ OPEN_DATA_LICENCE_ID: 'x' }))).toThrow(/OPEN_DATA_LICENCE_NAME/)
    expect(() => loadConfig({ OPEN_DATA_CONTACT_EMAIL: 'not an address' })).toThrow(/OPEN_DATA_CONTACT_EMAIL/)
  })

  it('starts from .env.example copied to .env as it is', () => {
    const env = parseEnv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'))
    expect(loadConfig(env)).toEqual(loadConfig({}))
  })

  it('keeps .env.example in step with the schema', () => {
    expect(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')).toBe(envExample())
  })
})
