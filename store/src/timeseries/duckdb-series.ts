import { listValue, type DuckDBValue } from '@duckdb/node-api'
import type { Id } from '@urbantwin/model'
import type { SerialConnection } from '../duckdb/sql.ts'
import { insertObservations } from '../duckdb/insert-observations.ts'
import type { AggregateFn, SeriesPoint, TimeSeriesStore } from './port.ts'
import { TimeSeriesError } from './port.ts'
import { isoOf, toPoint } from './samples.ts'

const SQL_FN: Record<AggregateFn, string> = {
  avg: 'avg',
  min: 'min',
  max: 'max',
  sum: 'sum',
  count: 'count',
}
/** Numeric observations only: strings, booleans and JSON share the table but are no series. */
const NUMERIC = 'result_number IS NOT NULL'
const CHUNK = 500

function bounds(from?: string, to?: string): { sql: string; params: DuckDBValue[] } {
  const terms: string[] = []
  const params: DuckDBValue[] = []
  if (from !== undefined) {
    terms.push('phenomenon_time >= ?::TIMESTAMPTZ')
    params.push(from)
  }
  if (to !== undefined) {
    terms.push('phenomenon_time < ?::TIMESTAMPTZ')
    params.push(to)
  }
  return { sql: terms.map((t) => ` AND ${t}`).join(''), params }
}

const sampleOf = (r: Record<string, unknown>) => ({
  ms: Number(r.phenomenon_ms),
  resultMs: Number(r.result_ms),
  result: Number(r.result_number),
})

/**
 * The oldest phenomenonTime of each of `ids` among the rows `where` selects (both tables of the
 * DuckDB store), in grouped queries of CHUNK Datastreams.
 */
export function firstTimes(
  reads: Pick<SerialConnection, 'exclusive'>,
  ids: readonly Id[],
  where = 'TRUE',
): Promise<Map<Id, string>> {
  return reads.exclusive(async (sql) => {
    const found = new Map<Id, string>()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK)
      const rows = await sql.rows(
        `SELECT datastream_id, epoch_ms(min(phenomenon_time)) AS ms FROM all_observations
         WHERE ${where} AND datastream_id IN (${chunk.map(() => '?').join(', ')}) GROUP BY datastream_id`,
        [...chunk],
      )
      for (const r of rows) found.set(Number(r.datastream_id), isoOf(Number(r.ms)))
    }
    return found
  })
}

/**
 * The embedded adapter: the observations table of the DuckDB store (one row per Datastream and
 * phenomenonTime, see insertObservations). It shares the store's connections (writes on the writing one,
 * reads on \`reads\`); closing the store closes them.
 */
export function createDuckDbTimeSeries(
  conn: SerialConnection,
  reads: Pick<SerialConnection, 'exclusive'> = conn,
): TimeSeriesStore {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (err) {
      throw new TimeSeriesError(`DuckDB: ${err instanceof Error ? err.message : String(err)}`, {
        retriable: true,
        cause: err,
      })
    }
  }

  return {
    write: (points) =>
      guard(() =>
        conn.transaction(async (sql) => {
          await insertObservations(conn.conn, sql, points)
        }),
      ),

    range: (datastreamId, q) =>
      reads.exclusive(async (sql) => {
        const b = bounds(q.from, q.to)
        const where = `FROM all_observations WHERE datastream_id = ? AND ${NUMERIC}${b.sql}`
        const counted = await sql.one(`SELECT count(*) AS n ${where}`, [datastreamId, ...b.params])
        const rows = await sql.rows(
          `SELECT epoch_ms(phenomenon_time) AS phenomenon_ms, epoch_ms(result_time) AS result_ms, result_number
           ${where} ORDER BY phenomenon_time ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ? OFFSET ?`,
          [datastreamId, ...b.params, q.limit, q.offset],
        )
        return { items: rows.map((r) => toPoint(datastreamId, sampleOf(r))), count: Number(counted?.n ?? 0) }
      }),

    latest: (datastreamIds) =>
      reads.exclusive(async (sql) => {
        const found = new Map<Id, SeriesPoint>()
        for (let i = 0; i < datastreamIds.length; i += CHUNK) {
          const ids = datastreamIds.slice(i, i + CHUNK)
          const rows = await sql.rows(
            `SELECT datastream_id, epoch_ms(max(phenomenon_time)) AS phenomenon_ms,
                    epoch_ms(arg_max(result_time, phenomenon_time)) AS result_ms,
                    arg_max(result_number, phenomenon_time) AS result_number
             FROM all_observations WHERE ${NUMERIC} AND datastream_id IN (${ids.map(() => '?').join(', ')})
             GROUP BY datastream_id`,
            [...ids],
          )
          for (const r of rows)
            found.set(Number(r.datastream_id), toPoint(Number(r.datastream_id), sampleOf(r)))
        }
        return found
      }),

    first: (datastreamIds) => firstTimes(reads, datastreamIds, NUMERIC),

    aggregate: (datastreamId, q) =>
      reads.exclusive(async (sql) => {
        const b = bounds(q.from, q.to)
        // Epoch-aligned bucket start in integer arithmetic (also right for times before 1970).
        const start = `(epoch_ms(phenomenon_time) - ((epoch_ms(phenomenon_time) % ?::BIGINT) + ?::BIGINT) % ?::BIGINT)`
        const rows = await sql.rows(
          `SELECT ${start} AS bucket, ${SQL_FN[q.fn]}(result_number) AS value
           FROM all_observations WHERE datastream_id = ? AND ${NUMERIC}${b.sql}
           GROUP BY bucket ORDER BY bucket`,
          [q.intervalMs, q.intervalMs, q.intervalMs, datastreamId, ...b.params],
        )
        return rows.map((r) => ({ start: isoOf(Number(r.bucket)), value: Number(r.value) }))
      }),

    deleteSeries: (datastreamIds) =>
      guard(() =>
        conn.transaction(async (sql) => {
          for (const table of ['observations', 'observations_archive'])
            await sql.run(
              `DELETE FROM ${table} WHERE ${NUMERIC} AND datastream_id IN (SELECT unnest(?::INTEGER[]))`,
              [listValue([...datastreamIds])],
            )
        }),
      ),

    ping: async () => {
      try {
        await conn.exclusive((sql) => sql.one('SELECT 1 AS one'))
        return { ok: true }
      } catch (err) {
        return { ok: false, reason: `DuckDB: ${err instanceof Error ? err.message : String(err)}` }
      }
    },

    close: async () => {},
  }
}
