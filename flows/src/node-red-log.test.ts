import { describe, expect, it } from 'vitest'
import type { Logger } from '@urbantwin/model'
import { fieldsOf, levelOf, nodeRedLogHandler } from './node-red-log.ts'

type Entry = { level: string; obj: object; msg: string | undefined }

function captureLogger(entries: Entry[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg })
    }
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  }
  return log
}

describe('Node-RED log levels', () => {
  it.each([
    [10, 'error'],
    [20, 'error'],
    [30, 'warn'],
    [40, 'info'],
    [50, 'debug'],
    [60, 'debug'],
    [98, null],
    [99, null],
  ])('level %i → %s', (level, expected) => {
    expect(levelOf(level)).toBe(expected)
  })
})

describe('Node-RED log fields', () => {
  it('names the node that logged and trims its text', () => {
    expect(
      fieldsOf({ level: 40, type: 'debug', id: 'n1', name: 'Alert', z: 'tab1', msg: '\n{ a: 1 }' }),
    ).toEqual({
      node: { type: 'debug', id: 'n1', name: 'Alert', flow: 'tab1' },
      text: '{ a: 1 }',
    })
  })

  it('passes errors as err and other values as data', () => {
    const err = new Error('boom')
    expect(fieldsOf({ level: 20, msg: err })).toEqual({ err })
    expect(fieldsOf({ level: 40, msg: { a: 1 } })).toEqual({ data: { a: 1 } })
  })
})

describe('nodeRedLogHandler', () => {
  it('forwards node and runtime records at the matching level, drops audit', () => {
    const entries: Entry[] = []
    const handle = nodeRedLogHandler(captureLogger(entries))()
    handle({ level: 30, msg: 'Encrypted credentials not found' })
    handle({ level: 40, type: 'debug', id: 'n1', msg: 'hello' })
    handle({ level: 98, msg: { event: 'auth.login', username: 'admin' } })
    expect(entries).toEqual([
      { level: 'warn', obj: { text: 'Encrypted credentials not found' }, msg: 'node-red log' },
      { level: 'info', obj: { node: { type: 'debug', id: 'n1' }, text: 'hello' }, msg: 'flow node log' },
    ])
  })
})
