import type { DuckDBInstance } from '@duckdb/node-api'
import { afterEach, describe, expect, it } from 'vitest'
import { openInstance, SerialConnection } from './sql.ts'

describe('SerialConnection with its prepared-statement cache (real in-memory DuckDB)', () => {
  const instances: DuckDBInstance[] = []
  afterEach(() => {
    for (const i of instances.splice(0)) i.closeSync()
  })
  async function open(cacheSize: number) {
    const instance = await openInstance(':memory:')
    instances.push(instance)
    return new SerialConnection(await instance.connect(), cacheSize)
  }

  it('answers a cached join and GROUP BY from the rows of now, not from the statistics when it was prepared', async () => {
    const conn = await open(8)
    // the shape of multi_datastreams_with_properties: a correlated list() becomes a GROUP BY on the key
    const join = 'SELECT count(*) AS n FROM big b JOIN m ON m.id = b.k'
    const view = 'SELECT id, ops FROM mv ORDER BY id'
    const read = (sql: Parameters<Parameters<typeof conn.exclusive>[0]>[0]) =>
      Promise.all([sql.one(join), sql.rows(view)]).then(([j, v]) => ({
        joined: Number(j!.n),
        ops: v.map((r) => [Number(r.id), (r.ops as number[]).map(Number)]),
      }))
    const result = await conn.exclusive(async (sql) => {
      await sql.run('CREATE TABLE m (id INTEGER PRIMARY KEY)')
      await sql.run('CREATE TABLE p (m_id INTEGER NOT NULL, position INTEGER NOT NULL, op INTEGER NOT NULL)')
      await sql.run(`CREATE VIEW mv AS SELECT m.id,
        (SELECT list(p.op ORDER BY p.position) FROM p WHERE p.m_id = m.id) AS ops FROM m`)
      await sql.run('CREATE TABLE big AS SELECT (i % 7)::INTEGER AS k FROM range(1000) r(i)')
      await sql.run('INSERT INTO m VALUES (3), (4); INSERT INTO p VALUES (3, 0, 1), (3, 1, 2), (4, 0, 5)')
      const before = await read(sql)
      await sql.run(
        'INSERT INTO m VALUES (152); INSERT INTO p VALUES (152, 0, 9); INSERT INTO big VALUES (152)',
      )
      return { before, after: await read(sql) }
    })
    expect(result.before).toEqual({
      joined: 286,
      ops: [
        [3, [1, 2]],
        [4, [5]],
      ],
    })
    expect(result.after).toEqual({
      joined: 287,
      ops: [
        [3, [1, 2]],
        [4, [5]],
        [152, [9]],
      ],
    })
  })

  it('answers right after statements were evicted and prepared again', async () => {
    const conn = await open(2)
    const values = await conn.exclusive(async (sql) => {
      const out: unknown[] = []
      for (const n of [1, 2, 3, 1, 2, 3, 1]) out.push((await sql.one(`SELECT ${n} * ? AS v`, [10]))!.v)
      return out
    })
    expect(values.map(Number)).toEqual([10, 20, 30, 10, 20, 30, 10])
  })

  it('binds fresh parameters on every run of a cached statement', async () => {
    const conn = await open(8)
    const rows = await conn.exclusive(async (sql) => {
      await sql.run('CREATE TABLE t (k INTEGER, s VARCHAR)')
      for (const [k, s] of [
        [1, 'a'],
        [2, null],
        [3, 'c'],
      ] as const)
        await sql.run('INSERT INTO t VALUES (?, ?)', [k, s])
      return sql.rows('SELECT k, s FROM t ORDER BY k')
    })
    expect(rows.map((r) => [Number(r.k), r.s])).toEqual([
      [1, 'a'],
      [2, null],
      [3, 'c'],
    ])
  })

  it('runs several statements in one string, and a cached statement after its table was replaced', async () => {
    const conn = await open(8)
    const [before, after] = await conn.exclusive(async (sql) => {
      await sql.run('CREATE TABLE u (x INTEGER); INSERT INTO u VALUES (1), (2)')
      const before = await sql.one('SELECT count(*) AS n FROM u WHERE x > ?', [0])
      await sql.run("DROP TABLE u; CREATE TABLE u (x INTEGER, y VARCHAR); INSERT INTO u VALUES (5, 'y')")
      const after = await sql.one('SELECT count(*) AS n FROM u WHERE x > ?', [0])
      return [Number(before!.n), Number(after!.n)]
    })
    expect([before, after]).toEqual([2, 1])
  })
})
