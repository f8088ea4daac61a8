import { describe, expect, it } from 'vitest'
import { aggregateQuery, countQuery, latestQuery, quote, rangeQuery } from './influxql.ts'
import { rowsOf } from './responses.ts'

describe('InfluxQL for the read paths', () => {
  it('selects a page of one Datastream in [from, to) with millisecond RFC 3339 literals', () => {
    expect(
      rangeQuery(12, {
        from: '2026-11-22T08:00:00Z',
        to: '2026-11-22T09:00:00.5+01:00',
        limit: 10,
        offset: 20,
        order: 'desc',
      }),
    ).toBe(
      `SELECT "result", "result_time" FROM "urbantwin" WHERE "datastream" = '12' AND time >= '2026-11-22T08:00:00.000Z' AND time < '2026-11-22T08:00:00.500Z' ORDER BY time DESC LIMIT 10 OFFSET 20`,
    )
    expect(countQuery(12, {})).toBe(`SELECT COUNT("result") FROM "urbantwin" WHERE "datastream" = '12'`)
  })

  it('takes the newest point per Datastream with LIMIT 1 per tag group', () => {
    expect(latestQuery([1, 2])).toBe(
      `SELECT "result", "result_time" FROM "urbantwin" WHERE "datastream" = '1' OR "datastream" = '2' GROUP BY "datastream" ORDER BY time DESC LIMIT 1`,
    )
  })

  it('groups by epoch-aligned time buckets without filling empty ones', () => {
    expect(
      aggregateQuery(3, {
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-02T00:00:00Z',
        intervalMs: 900_000,
        fn: 'avg',
      }),
    ).toBe(
      `SELECT MEAN("result") FROM "urbantwin" WHERE "datastream" = '3' AND time >= '2026-01-01T00:00:00.000Z' AND time < '2026-01-02T00:00:00.000Z' GROUP BY time(900000ms) fill(none)`,
    )
  })

  it('escapes string literals', () => {
    expect(quote(`a'b\\c`)).toBe(`'a\\'b\\\\c'`)
  })
})

describe('rowsOf (JSON answers of /query)', () => {
  it('reads rows with their tags and columns', () => {
    const body = JSON.stringify({
      results: [
        {
          statement_id: 0,
          series: [
            { name: 'urbantwin', tags: { datastream: '1' }, columns: ['time', 'result'], values: [[5, 1.5]] },
          ],
        },
      ],
    })
    expect(rowsOf(body)).toEqual([{ tags: { datastream: '1' }, values: { time: 5, result: 1.5 } }])
    expect(rowsOf('{"results":[{"statement_id":0}]}')).toEqual([])
  })

  it('throws the engine error of a statement or of the request', () => {
    expect(() => rowsOf('{"results":[{"statement_id":0,"error":"database not found: x"}]}')).toThrow(
      /database not found/,
    )
    expect(() => rowsOf('{"error":"error parsing query"}')).toThrow(/error parsing query/)
  })
})
