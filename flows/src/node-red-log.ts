import type { LogMessage } from 'node-red'
import type { Logger } from '@urbantwin/model'

type Level = 'error' | 'warn' | 'info' | 'debug'

/** Node-RED's numeric levels (@node-red/util/lib/log.js) → our logger's methods; audit and metric are dropped. */
export function levelOf(level: number): Level | null {
  if (level <= 20) return 'error' // fatal 10, error 20
  if (level <= 30) return 'warn'
  if (level <= 40) return 'info'
  if (level <= 60) return 'debug' // debug 50, trace 60
  return null // audit 98 and metric 99: not forwarded (audit events carry user names and session ids)
}

/** Fields for one Node-RED log record: the node that logged (if any) and its text or error. */
export function fieldsOf(m: LogMessage): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  if (m.type !== undefined) fields.node = { type: m.type, id: m.id, name: m.name, flow: m.z }
  if (m.msg instanceof Error) fields.err = m.msg
  else if (typeof m.msg === 'string') fields.text = m.msg.trim()
  else if (m.msg !== undefined) fields.data = m.msg
  return fields
}

/**
 * A `settings.logging.<name>.handler` factory: Node-RED calls it once with the handler's settings and
 * then calls the result for each record at or above the configured level.
 */
export function nodeRedLogHandler(log: Logger): () => (m: LogMessage) => void {
  return () => (m) => {
    const level = levelOf(m.level)
    if (level === null) return
    log[level](fieldsOf(m), m.type !== undefined ? 'flow node log' : 'node-red log')
  }
}
