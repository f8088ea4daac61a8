/**
 * CPU time of processes and threads, read from Linux's /proc (clock ticks → ms), so a benchmark can
 * say where the cores went: a rate on 2 cores is bounded by 2,000 ms of CPU per second.
 */
import { readFileSync } from 'node:fs'

const TICK_MS = 10 // CLK_TCK is 100 on Linux x64 and arm64

/** utime + stime of a /proc stat file, in ms (fields 14 and 15; the name in field 2 may hold spaces). */
function statMs(path: string): number {
  const text = readFileSync(path, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

export type CpuSample = { totalMs: number; mainThreadMs: number }

/** CPU used so far by process `pid` (all threads) and by its main thread (the JS event loop). */
export function cpuOf(pid: number): CpuSample {
  return { totalMs: statMs(`/proc/${pid}/stat`), mainThreadMs: statMs(`/proc/${pid}/task/${pid}/stat`) }
}

export const diffCpu = (a: CpuSample, b: CpuSample): CpuSample => ({
  totalMs: b.totalMs - a.totalMs,
  mainThreadMs: b.mainThreadMs - a.mainThreadMs,
})
