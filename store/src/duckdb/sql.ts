import { isoOfMs } from '../query/iso-time.ts'
import {
  DuckDBInstance,
  DuckDBResultReader,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBValue,
} from '@duckdb/node-api'

export type Row = Record<string, unknown>

/**
 * A DuckDB database as the store opens it. Extensions are never downloaded (offline by design).
 *
 * Statistics propagation is off: DuckDB builds a prepared statement's physical plan once, from the
 * min/max statistics the tables had then, and does not plan again when rows arrive (only when the
 * catalog changes). With the statement cache below, a stale plan answered wrongly: a join dropped
 * rows whose key lay outside the old range, and a GROUP BY planned as a perfect hash aggregate
 * failed ("aggregate group … exceeded total groups") once a new MultiDatastream had properties
 * (DuckDB 1.5.6, test in sql.test.ts). Without the propagator, no plan depends on the data it saw.
 */
export function openInstance(path: string, threads?: number): Promise<DuckDBInstance> {
  return DuckDBInstance.create(path, {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    disabled_optimizers: 'statistics_propagation',
    ...(threads ? { threads: String(threads) } : {}),
  })
}

/**
 * One DuckDB connection used by one caller at a time: statements of concurrent requests are queued,
 * so a transaction is never interleaved with another caller's statements.
 */
export class SerialConnection {
  #tail: Promise<unknown> = Promise.resolve()
  #pending = 0
  readonly #statements: StatementCache
  constructor(
    readonly conn: DuckDBConnection,
    statementCacheSize = 200,
  ) {
    this.#statements = new StatementCache(statementCacheSize)
  }

  exclusive<T>(work: (c: Sql) => Promise<T>): Promise<T> {
    const sql = new Sql(this.conn, this.#statements)
    this.#pending++
    const run = this.#tail.then(() => work(sql)).finally(() => this.#pending--)
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Callers queued or running. */
  get pending(): number {
    return this.#pending
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

/**
 * Connections for reads beside the one that writes: DuckDB's MVCC lets a read run while a write
 * transaction is open elsewhere, so API reads do not queue behind ingest. Each read takes the least
 * busy connection; it sees what was committed when it started.
 */
export class ReadPool {
  constructor(readonly connections: readonly SerialConnection[]) {
    if (connections.length === 0) throw new Error('a read pool needs a connection')
  }

  exclusive<T>(work: (c: Sql) => Promise<T>): Promise<T> {
    let best = this.connections[0]!
    for (const c of this.connections) if (c.pending < best.pending) best = c
    return best.exclusive(work)
  }
}

/**
 * Prepared statements by SQL text, least recently used evicted. Parsing and planning cost more than
 * running most of our statements (a device registration is ~20 of them); DuckDB re-binds a cached
 * statement itself when the catalog changed under it.
 */
class StatementCache {
  readonly #byText = new Map<string, DuckDBPreparedStatement | null>()
  constructor(private readonly max = 200) {}

  /** The statement for `sql`, or null when it cannot be prepared alone (several statements). */
  async get(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement | null> {
    let stmt = this.#byText.get(sql)
    if (stmt === undefined) {
      stmt = await conn.prepare(sql).catch(() => null)
      if (this.#byText.size >= this.max) {
        const [oldest, old] = this.#byText.entries().next().value!
        this.#byText.delete(oldest)
        old?.destroySync()
      }
    } else this.#byText.delete(sql)
    this.#byText.set(sql, stmt) // most recently used last
    return stmt
  }
}

export class Sql {
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly statements?: StatementCache,
  ) {}

  async #result(sql: string, params: DuckDBValue[]) {
    const stmt = await this.statements?.get(this.conn, sql)
    if (!stmt) return this.conn.run(sql, params)
    stmt.clearBindings()
    if (params.length > 0) stmt.bind(params)
    return stmt.run()
  }

  async run(sql: string, params: DuckDBValue[] = []): Promise<number> {
    return Number((await this.#result(sql, params)).rowsChanged)
  }

  async rows(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const result = await this.#result(sql, params)
    const reader = new DuckDBResultReader(result)
    await reader.readAll()
    return reader.getRowObjectsJS() as Row[]
  }

  /** The result's data chunks, for readers that go column by column (see rows.ts). */
  async chunks(sql: string, params: DuckDBValue[] = []): Promise<DuckDBDataChunk[]> {
    return (await this.#result(sql, params)).fetchAllChunks()
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
  return isoOfMs(Number(ms))
}
