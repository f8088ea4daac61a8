import { describe, expect, it } from 'vitest'
import { TimeSeriesEnv, timeSeriesOptions } from './config.ts'

const parse = (env: Record<string, string>) => timeSeriesOptions(TimeSeriesEnv.parse(env))

describe('TimeSeriesEnv', () => {
  it('defaults to the embedded DuckDB', () => {
    expect(parse({})).toEqual({ backend: 'duckdb' })
  })

  it('needs TS_URL for an external engine, and a URL at that', () => {
    expect(() => parse({ TS_BACKEND: 'victoriametrics' })).toThrow(/TS_URL is required/)
    expect(() => parse({ TS_BACKEND: 'influxdb', TS_URL: 'localhost' })).toThrow(/TS_URL is not a URL/)
  })

  it('builds VictoriaMetrics and InfluxDB options; empty variables count as unset', () => {
    expect(parse({ TS_BACKEND: 'victoriametrics', TS_URL: 'http://vm:8428', TS_TOKEN: '' })).toEqual({
      backend: 'victoriametrics',
      url: 'http://vm:8428',
      timeoutMs: 10_000,
    })
    expect(
      parse({
        TS_BACKEND: 'influxdb',
        TS_URL: 'http://influx:8086',
        TS_TOKEN: 't',
        TS_ORG: 'city',
        TS_DATABASE: 'ut',
        TS_USERNAME: 'u',
        TS_PASSWORD: 'p',
        TS_TIMEOUT_MS: '2500',
      }),
    ).toEqual({
      backend: 'influxdb',
      url: 'http://influx:8086',
      timeoutMs: 2500,
      token: 't',
      username: 'u',
      password: 'p',
      bucket: 'urbantwin',
      database: 'ut',
      org: 'city',
    })
  })

  it('rejects an unknown backend', () => {
    expect(TimeSeriesEnv.safeParse({ TS_BACKEND: 'prometheus' }).success).toBe(false)
  })
})
