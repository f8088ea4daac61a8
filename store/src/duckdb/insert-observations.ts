import type { DuckDBConnection } from '@duckdb/node-api'
import type { NewObservation } from '@urbantwin/model'
import { OBSERVATION_COLUMNS } from './rows.ts'
import type { Row, Sql } from './sql.ts'

/**
 * Session-local staging table the appender fills (created once per connection; temporary, so its
 * shape can change between versions). Times are epoch milliseconds as DOUBLE, the appender's cheapest
 * cell: TIMESTAMPTZ goes through a generic value per cell (a third of the ingest CPU in
 * `npm run bench:ingest`), TIMESTAMP through a BigInt and a value object per cell.
 */
export const STAGING_TABLE = `CREATE TEMP TABLE IF NOT EXISTS observations_staging_ms (ord INTEGER, datastream_id INTEGER,
  phenomenon_ms DOUBLE, result_ms DOUBLE, result_number DOUBLE, result_json VARCHAR, result_quality VARCHAR)`

/** Exact: milliseconds are integers, made microseconds in BIGINT (not seconds in a DOUBLE). */
const timeOf = (column: string) => `make_timestamptz(CAST(${column} AS BIGINT) * 1000)`

/**
 * Rows appended between yields to the event loop. The appender's calls are synchronous: a batch of
 * 30,000 Observations blocked the thread (and the API requests it serves) for tens of milliseconds.
 */
const ROWS_PER_SLICE = 2048
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Bulk insert, once per (datastream, phenomenonTime): DuckDB's appender fills the staging table, one
 * INSERT … SELECT moves the first row of each key that is not stored yet, in input order (ids follow it). Call inside a transaction
 * on the connection `conn` that `sql` uses. Returns the rows it stored.
 */
export async function insertObservations(
  conn: DuckDBConnection,
  sql: Sql,
  obs: readonly NewObservation[],
): Promise<Row[]> {
  if (obs.length === 0) return []
  const appender = await conn.createAppender('observations_staging_ms', 'main', 'temp')
  for (const [ord, o] of obs.entries()) {
    if (ord > 0 && ord % ROWS_PER_SLICE === 0) {
      // flushed in slices too, so that closing has little left to do; the writer connection is this
      // caller's alone meanwhile (SerialConnection), reads run on their own connections
      appender.flushSync()
      await nextTurn()
    }
    appender.appendInteger(ord)
    appender.appendInteger(o.datastreamId)
    appender.appendDouble(Date.parse(o.phenomenonTime))
    appender.appendDouble(Date.parse(o.resultTime))
    if (typeof o.result === 'number') {
      appender.appendDouble(o.result)
      appender.appendNull()
    } else {
      appender.appendNull()
      appender.appendVarchar(JSON.stringify(o.result))
    }
    if (o.resultQuality) appender.appendVarchar(o.resultQuality)
    else appender.appendNull()
    appender.endRow()
  }
  appender.closeSync()
  // the time range lets DuckDB skip row groups by their min/max
  const inserted = await sql.rows(
    `INSERT INTO observations (datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality)
     SELECT datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality FROM (
       SELECT DISTINCT ON (s.datastream_id, s.phenomenon_time) s.* FROM (
         SELECT ord, datastream_id, ${timeOf('phenomenon_ms')} AS phenomenon_time,
                ${timeOf('result_ms')} AS result_time, result_number, result_json, result_quality
         FROM temp.observations_staging_ms) s
       WHERE NOT EXISTS (
         SELECT 1 FROM all_observations o
         WHERE o.datastream_id = s.datastream_id AND o.phenomenon_time = s.phenomenon_time
           AND o.phenomenon_time BETWEEN (SELECT ${timeOf('min(phenomenon_ms)')} FROM temp.observations_staging_ms)
                                     AND (SELECT ${timeOf('max(phenomenon_ms)')} FROM temp.observations_staging_ms))
       ORDER BY s.datastream_id, s.phenomenon_time, s.ord
     ) ORDER BY ord
     RETURNING ${OBSERVATION_COLUMNS}`,
  )
  await sql.run('DELETE FROM temp.observations_staging_ms')
  return inserted
}
