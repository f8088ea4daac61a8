import type { Id } from '@urbantwin/model'
import type { SerialConnection } from '../duckdb/sql.ts'
import { FIRST_BLOCK, LAST_BLOCK, WINDOW_MS, seriesId, splitSeriesId, windowOf } from './series-ids.ts'

const DDL = [
  `CREATE SEQUENCE IF NOT EXISTS series_id_block_numbers START ${FIRST_BLOCK} MAXVALUE ${LAST_BLOCK}`,
  `CREATE TABLE IF NOT EXISTS series_id_blocks (
    block INTEGER PRIMARY KEY DEFAULT nextval('series_id_block_numbers'),
    datastream_id INTEGER NOT NULL,
    time_window BIGINT NOT NULL,
    UNIQUE (datastream_id, time_window)
  )`,
] as const

export type SeriesKey = { datastreamId: Id; ms: number }

/** Ids for time-series observations (see `series-ids.ts`), kept in the registry's DuckDB file. */
export type SeriesIds = {
  /** Ids of the given points, allocating blocks on first use. */
  idsOf(keys: readonly SeriesKey[]): Promise<number[]>
  /** The Datastream and millisecond an id names, or null when no such block was handed out. */
  keyOf(id: number): Promise<SeriesKey | null>
}

export async function openSeriesIds(conn: SerialConnection): Promise<SeriesIds> {
  await conn.exclusive(async (sql) => {
    for (const ddl of DDL) await sql.run(ddl)
    await sql.run('CHECKPOINT') // no DDL left in DuckDB's WAL (see duckdb/schema.ts)
  })
  const blocks = new Map<string, number>()
  const keyOfBlock = (datastreamId: Id, window: number) => `${datastreamId}/${window}`

  return {
    async idsOf(keys) {
      const missing = new Map<string, { datastreamId: Id; window: number }>()
      for (const k of keys) {
        const window = windowOf(k.ms)
        const key = keyOfBlock(k.datastreamId, window)
        if (!blocks.has(key)) missing.set(key, { datastreamId: k.datastreamId, window })
      }
      if (missing.size > 0) {
        await conn.exclusive(async (sql) => {
          for (const [key, m] of missing) {
            const params = [m.datastreamId, m.window]
            const where = 'WHERE datastream_id = ? AND time_window = ?'
            const found = await sql.one(`SELECT block FROM series_id_blocks ${where}`, params)
            const row =
              found ??
              (await sql.one(
                'INSERT INTO series_id_blocks (datastream_id, time_window) VALUES (?, ?) RETURNING block',
                params,
              ))
            blocks.set(key, Number(row?.block))
          }
        })
      }
      return keys.map((k) => seriesId(blocks.get(keyOfBlock(k.datastreamId, windowOf(k.ms)))!, k.ms))
    },

    async keyOf(id) {
      const parts = splitSeriesId(id)
      if (!parts) return null
      const row = await conn.exclusive((sql) =>
        sql.one('SELECT datastream_id, time_window FROM series_id_blocks WHERE block = ?', [parts.block]),
      )
      if (!row) return null
      return {
        datastreamId: Number(row.datastream_id),
        ms: Number(row.time_window) * WINDOW_MS + parts.offset,
      }
    },
  }
}
