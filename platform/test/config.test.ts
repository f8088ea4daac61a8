import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { envExample, loadConfig } from '../src/config.ts'

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

  it('keeps .env.example in step with the schema', () => {
    expect(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')).toBe(envExample())
  })
})
