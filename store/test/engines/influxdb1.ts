import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { influxConfig } from './influxdb1-config.ts'
import { freePort, requireBinary, startProcess, type EngineProcess } from './process.ts'

export type InfluxDb1 = EngineProcess & {
  url: string
  database: string
  /** v1 `/write` (InfluxDB 1.6 has no `/api/v2/write`), millisecond timestamps. */
  writeV1(lines: readonly string[]): Promise<void>
  remove(): void
}

/** Debian's `influxd` (InfluxDB 1.6.7) on 127.0.0.1 with a generated config in a temp dir and one database. */
export async function startInfluxDb1(database = 'urbantwin'): Promise<InfluxDb1> {
  const bin = requireBinary('influxd', 'influxdb')
  const dir = mkdtempSync(join(tmpdir(), 'ut-influx-'))
  const generated = execFileSync(bin, ['config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  for (let attempt = 1; ; attempt++) {
    const [httpPort, rpcPort] = [await freePort(), await freePort()]
    const configFile = join(dir, 'influxdb.conf')
    writeFileSync(configFile, influxConfig(generated, { dir, httpPort, rpcPort }))
    try {
      const proc = await startProcess({
        bin,
        args: ['-config', configFile],
        logFile: join(dir, 'influxd.log'),
        healthUrl: `http://127.0.0.1:${httpPort}/ping`,
        healthy: (res) => res.status === 204,
      })
      const url = `http://127.0.0.1:${httpPort}`
      const post = async (path: string, body: string) => {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(10_000),
        })
        if (!res.ok) throw new Error(`InfluxDB ${path}: HTTP ${res.status} ${await res.text()}`)
      }
      await post(`/query?q=${encodeURIComponent(`CREATE DATABASE "${database}"`)}`, '')
      return {
        ...proc,
        url,
        database,
        writeV1: (lines) => post(`/write?db=${encodeURIComponent(database)}&precision=ms`, lines.join('\n')),
        remove: () => rmSync(dir, { recursive: true, force: true }),
      }
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}
