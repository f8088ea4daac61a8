import type { Page, PageRequest } from '@urbantwin/model'
import type { QuarantineEntry, QuarantinedMessage } from '../ports.ts'
import { isoFromMs, type Sql } from './sql.ts'

/** Kept messages that could not become observations. One row per WAL record (replays are no-ops). */
export const QUARANTINE_SCHEMA = [
  `CREATE SEQUENCE IF NOT EXISTS quarantine_ids START 1`,
  `CREATE TABLE IF NOT EXISTS quarantine (
    id BIGINT PRIMARY KEY DEFAULT nextval('quarantine_ids'),
    wal_seq BIGINT UNIQUE,
    received_at TIMESTAMPTZ NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL,
    topic VARCHAR NOT NULL,
    client_id VARCHAR,
    category VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    payload_base64 VARCHAR,
    payload_bytes INTEGER NOT NULL
  )`,
]

const CHUNK = 200

export async function insertQuarantine(sql: Sql, entries: readonly QuarantineEntry[]): Promise<number> {
  let inserted = 0
  for (let i = 0; i < entries.length; i += CHUNK) {
    const chunk = entries.slice(i, i + CHUNK)
    inserted += await sql.run(
      `INSERT OR IGNORE INTO quarantine (wal_seq, received_at, quarantined_at, topic, client_id, category, reason, payload_base64, payload_bytes)
       VALUES ${chunk.map(() => '(?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e) => [
        e.walSeq,
        e.receivedAt,
        e.quarantinedAt,
        e.topic,
        e.clientId,
        e.category,
        e.reason,
        e.payload === null ? null : Buffer.from(e.payload).toString('base64'),
        e.payloadBytes,
      ]),
    )
  }
  return inserted
}

function toMessage(r: Record<string, unknown>): QuarantinedMessage {
  return {
    id: Number(r.id),
    walSeq: r.wal_seq === null ? null : Number(r.wal_seq),
    receivedAt: isoFromMs(r.received_ms),
    quarantinedAt: isoFromMs(r.quarantined_ms),
    topic: String(r.topic),
    clientId: (r.client_id as string | null) ?? null,
    category: String(r.category),
    reason: String(r.reason),
    payloadBase64: typeof r.payload_base64 === 'string' ? r.payload_base64 : null,
    payloadBytes: Number(r.payload_bytes),
  }
}

export async function listQuarantine(
  sql: Sql,
  p: PageRequest,
  category?: string,
): Promise<Page<QuarantinedMessage>> {
  const where = category ? 'WHERE category = ?' : ''
  const params = category ? [category] : []
  const count = await sql.one(`SELECT count(*) AS n FROM quarantine ${where}`, params)
  const rows = await sql.rows(
    `SELECT id, wal_seq, epoch_ms(received_at) AS received_ms, epoch_ms(quarantined_at) AS quarantined_ms, topic, client_id,
            category, reason, payload_base64, payload_bytes
     FROM quarantine ${where} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...params, p.top, p.skip],
  )
  return { items: rows.map(toMessage), count: Number(count?.n ?? 0) }
}

export async function countQuarantine(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql.rows(
    'SELECT category, count(*) AS n FROM quarantine GROUP BY category ORDER BY category',
  )
  return Object.fromEntries(rows.map((r) => [String(r.category), Number(r.n)]))
}
