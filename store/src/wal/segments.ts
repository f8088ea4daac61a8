import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Segment files are named by the sequence number of their first record, zero-padded: sorting by name = by seq. */
const PATTERN = /^(\d{20})\.wal$/

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.wal`
}

export type Segment = { firstSeq: number; path: string }

export async function listSegments(dir: string): Promise<Segment[]> {
  const names = await readdir(dir)
  return names
    .map((n) => PATTERN.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ firstSeq: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq)
}
