import { DuckDBInstance } from '@duckdb/node-api'
import { afterEach, describe, expect, it } from 'vitest'
import { SerialConnection } from './sql.ts'

describe('SerialConnection with its prepared-statement cache (real in-memory DuckDB)', () => {
  const instances: DuckDBInstance[] = []
  afterEach(() => {
    for (const i of instances.splice(0)) i.closeSync()
  })
  async function open(cacheSize: number) {
    const instance = await DuckDBInstance.create(':memory:')
    instances.push(instance)
    return new SerialConnection(await instance.connect(), cacheSize)
  }

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
