import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api'

export type Row = Record<string, unknown>

/**
 * One DuckDB connection used by one caller at a time: statements of concurrent requests are queued,
 * so a transaction is never interleaved with another caller's statements.
 */
export class SerialConnection {
  #tail: Promise<unknown> = Promise.resolve()
  constructor(readonly conn: DuckDBConnection) {}

  exclusive<T>(work: (c: Sql) => Promise<T>): Promise<T> {
    const sql = new Sql(this.conn)
    const run = this.#tail.then(() => work(sql))
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Runs `work` inside BEGIN/COMMIT, rolling back on any error. */
  transaction<T>(work: (c: Sql) => Promise<T>): Promise<T> {
    return this.exclusive(async (sql) => {
      await sql.run('BEGIN TRANSACTION')
      try {
        const value = await work(sql)
        await sql.run('COMMIT')
        return value
      } catch (err) {
        await sql.run('ROLLBACK')
        throw err
      }
    })
  }
}

export class Sql {
  constructor(private readonly conn: DuckDBConnection) {}

  async run(sql: string, params: DuckDBValue[] = []): Promise<number> {
    const r = await this.conn.run(sql, params)
    return Number(r.rowsChanged)
  }

  async rows(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const r = await this.conn.runAndReadAll(sql, params)
    return r.getRowObjectsJS() as Row[]
  }

  async one(sql: string, params: DuckDBValue[] = []): Promise<Row | null> {
    return (await this.rows(sql, params))[0] ?? null
  }
}

export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value)
}

export function parseJson<T>(value: unknown): T | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as T) : undefined
}

export function isoFromMs(ms: unknown): string {
  return new Date(Number(ms)).toISOString()
}
