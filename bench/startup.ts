/**
 * `npm run bench:startup`: how long `npm start`'s process takes to serve and to store its first
 * observation, on a fresh data dir and on a restart, next to the bare cost of starting Node with tsx
 * (the peer: nothing of ours runs). Loopback only; bounded runs; stops by itself.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startPlatformProcess, tempDataDir } from '@urbantwin/test'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } })
const runs = Math.min(20, Math.max(1, Number(values.runs)))

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function bareNode(dir: string): Promise<number> {
  const script = join(dir, 'noop.ts')
  writeFileSync(script, "const ready: string = 'ready'\nconsole.log(ready)\n")
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], {
      stdio: 'ignore',
    })
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))))
  })
  return performance.now() - t0
}

async function firstStored(base: string, t0: number, deadlineMs = 60_000): Promise<number> {
  for (;;) {
    const health = (await (await fetch(`${base}/api/health`)).json()) as { ingest: { stored: number } }
    if (health.ingest.stored > 0) return performance.now() - t0
    if (performance.now() - t0 > deadlineMs) throw new Error('no observation stored within 60 s')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const rows: Record<string, number[]> = { peer: [], ready: [], first: [], restartReady: [], restartFirst: [] }
for (let i = 0; i < runs; i++) {
  const tmp = tempDataDir()
  try {
    rows.peer!.push(await bareNode(tmp.dir))
    for (const phase of ['fresh', 'restart'] as const) {
      const t0 = performance.now()
      const p = await startPlatformProcess({
        dataDir: tmp.dir,
        env: { SIM_CONTAINERS: '40' },
      })
      const ready = performance.now() - t0
      const first = await firstStored(p.base, t0)
      if ((await p.stop()) !== 0) throw new Error('platform did not exit cleanly')
      rows[phase === 'fresh' ? 'ready' : 'restartReady']!.push(ready)
      rows[phase === 'fresh' ? 'first' : 'restartFirst']!.push(first)
    }
  } finally {
    tmp.remove()
  }
}

const peer = median(rows.peer!)
const label: Record<string, string> = {
  peer: 'peer: bare node + tsx, no platform',
  ready: 'first start → "platform ready"',
  first: 'first start → first observation stored',
  restartReady: 'restart → "platform ready"',
  restartFirst: 'restart → first observation stored',
}
console.log(
  `\nPlatform start-up, ${runs} runs each (ms, wall clock, 40 simulated containers, ${process.platform} ${process.arch})\n`,
)
console.log('| measurement | median | min | max | × peer |')
console.log('|---|---:|---:|---:|---:|')
for (const [key, xs] of Object.entries(rows)) {
  console.log(
    `| ${label[key]} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} | ${(median(xs) / peer).toFixed(1)} |`,
  )
}
