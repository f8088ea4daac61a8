import { createServer, type IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createUpgradeGate, isUnder, pathnameOf } from './upgrade-gate.ts'

describe('isUnder', () => {
  it.each([
    ['/flows', '/flows', true],
    ['/flows/comms', '/flows', true],
    ['/flows/http/ws/x', '/flows/http', true],
    ['/flowsx', '/flows', false],
    ['/mqtt', '/flows', false],
    ['/', '/flows', false],
    ['/anything', '/', true],
  ])('%s under %s: %s', (pathname, root, expected) => {
    expect(isUnder(pathname, root)).toBe(expected)
  })

  it('ignores the query string', () => {
    expect(pathnameOf('/flows/comms?x=1')).toBe('/flows/comms')
    expect(pathnameOf(undefined)).toBe('/')
  })
})

describe('upgrade gate', () => {
  const upgrade = (url: string) => [{ url } as IncomingMessage, new Socket(), Buffer.alloc(0)] as const

  it('hands Node-RED only upgrades under its roots, until detached', () => {
    const server = createServer()
    const gate = createUpgradeGate(['/flows'])
    const seen: string[] = []
    gate.nodeRedServer.on('upgrade', (req: IncomingMessage) => seen.push(req.url ?? ''))

    gate.attach(server)
    gate.attach(server) // idempotent
    expect(server.listenerCount('upgrade')).toBe(1)
    server.emit('upgrade', ...upgrade('/flows/comms'))
    server.emit('upgrade', ...upgrade('/mqtt'))
    server.emit('upgrade', ...upgrade('/flows/http/ws/feed?token=1'))
    expect(seen).toEqual(['/flows/comms', '/flows/http/ws/feed?token=1'])

    gate.detach()
    expect(server.listenerCount('upgrade')).toBe(0)
    server.emit('upgrade', ...upgrade('/flows/comms'))
    expect(seen).toHaveLength(2)
  })
})
