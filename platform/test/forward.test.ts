import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { forwardRequest, forwardUpgrade } from '../src/forward.ts'

const listen = (s: Server) =>
  new Promise<number>((done) => s.listen(0, '127.0.0.1', () => done((s.address() as AddressInfo).port)))
const close = (s: Server) =>
  new Promise<void>((done) => {
    s.closeAllConnections()
    s.close(() => done())
  })

describe('the public port hands /flows and /mqtt on to the main thread (real HTTP and WebSocket)', () => {
  const servers: Server[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) await close(s)
  })

  /** A target that echoes what it got, and a front that forwards everything to it. */
  async function pair() {
    const target = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        res.setHeader('set-cookie', ['a=1', 'b=2'])
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ method: req.method, url: req.url, body, forwardedFor: req.headers['x-forwarded-for'] }))
      })
    })
    const wss = new WebSocketServer({ server: target, path: '/mqtt' })
    wss.on('connection', (ws, req) => {
      ws.send(`hello ${req.headers['x-forwarded-for']}`)
      ws.on('message', (m: Buffer) => ws.send(`echo ${m.toString()}`))
    })
    const to = { host: '127.0.0.1', port: await listen(target) }
    const front = createServer((req, res) => forwardRequest(to, req, res))
    front.on('upgrade', (req, socket, head) => forwardUpgrade(to, req, socket, head))
    servers.push(front, target)
    return { base: `http://127.0.0.1:${await listen(front)}`, port: to.port, target }
  }

  it('passes method, path, query, body and headers, and the answer with its status and repeated headers', async () => {
    const { base } = await pair()
    const res = await fetch(`${base}/flows/settings?x=1`, { method: 'POST', body: 'a=b' })
    expect(res.status).toBe(201)
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(await res.json()).toEqual({ method: 'POST', url: '/flows/settings?x=1', body: 'a=b', forwardedFor: '127.0.0.1' })
  })

  it('answers 502 with a JSON body when the target is gone', async () => {
    const { base, target } = await pair()
    servers.splice(servers.indexOf(target), 1)
    await close(target)
    const res = await fetch(`${base}/flows/`)
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({ code: 502, message: expect.stringMatching(/not reachable/) })
  })

  it('carries a WebSocket both ways until either side closes', async () => {
    const { base } = await pair()
    const ws = new WebSocket(`${base.replace('http', 'ws')}/mqtt`)
    const got: string[] = []
    await new Promise<void>((done, fail) => {
      ws.on('error', fail)
      ws.on('message', (m: Buffer) => {
        got.push(m.toString())
        if (got.length === 1) ws.send('ping')
        else done()
      })
    })
    expect(got).toEqual(['hello 127.0.0.1', 'echo ping'])
    const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)))
    ws.close(1000)
    expect(await closed).toBe(1000)
  })
})
