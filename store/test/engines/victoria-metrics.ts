import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, requireBinary, startProcess, type EngineProcess } from './process.ts'

export type VictoriaMetrics = EngineProcess & { url: string; port: number; dir: string; remove(): void }

/**
 * Debian's `victoria-metrics` (1.79.5) on 127.0.0.1 with a temp data dir, flags as in TOOLCHAIN.md:
 * dedup of replays, no latency offset, a retention wide enough for any test data.
 * Pass `dir` and `port` to restart on the same data (outage tests); `dedup: false` shows why the flag matters.
 */
export async function startVictoriaMetrics(
  at: { dir?: string; port?: number; dedup?: boolean } = {},
): Promise<VictoriaMetrics> {
  const bin = requireBinary('victoria-metrics', 'victoria-metrics')
  const dir = at.dir ?? mkdtempSync(join(tmpdir(), 'ut-vm-'))
  for (let attempt = 1; ; attempt++) {
    const port = at.port ?? (await freePort())
    try {
      const proc = await startProcess({
        bin,
        args: [
          `-storageDataPath=${join(dir, 'data')}`,
          `-httpListenAddr=127.0.0.1:${port}`,
          '-retentionPeriod=100y',
          '-search.latencyOffset=0s',
          ...(at.dedup === false ? [] : ['-dedup.minScrapeInterval=1ms']),
        ],
        logFile: join(dir, 'victoria-metrics.log'),
        healthUrl: `http://127.0.0.1:${port}/health`,
        healthy: (res) => res.ok,
      })
      const remove = () => rmSync(dir, { recursive: true, force: true })
      return { ...proc, url: `http://127.0.0.1:${port}`, port, dir, remove }
    } catch (err) {
      if (at.port !== undefined || attempt >= 3) throw err // a random port may have been taken meanwhile
    }
  }
}

/**
 * Makes what was just written searchable at once. Without it a new series becomes visible after
 * about a second, but a query in that second caches the miss and hides the series for ~10 s more.
 */
export async function forceFlush(url: string): Promise<void> {
  const res = await fetch(`${url}/internal/force_flush`, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`force_flush: HTTP ${res.status}`)
}
