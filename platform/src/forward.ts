import { request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/** The loopback server a public path prefix is handed to (Node-RED and MQTT over WebSocket). */
export type ForwardTarget = { host: string; port: number }

/** Headers that name the original client, as a proxy in front of Node-RED would set them. */
function forwardedFor(req: IncomingMessage) {
  const prior = req.headers['x-forwarded-for']
  const addr = req.socket.remoteAddress ?? ''
  return { 'x-forwarded-for': prior ? `${String(prior)}, ${addr}` : addr }
}

/** Passes one HTTP request on to `to` and its answer back; 502 with a JSON body when `to` is gone. */
export function forwardRequest(to: ForwardTarget, req: IncomingMessage, res: ServerResponse) {
  const out = request(
    { host: to.host, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, ...forwardedFor(req) } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      answer.pipe(res)
    },
  )
  out.on('error', () => {
    if (res.headersSent) return void res.destroy()
    res.writeHead(502, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ code: 502, type: 'error', message: 'the flows service is not reachable' }))
  })
  res.on('close', () => {
    if (!res.writableFinished) out.destroy() // the client went away first
  })
  req.pipe(out)
}

/**
 * Passes a WebSocket upgrade on to `to` as raw bytes: the request head is written again, then both
 * sockets are piped into each other until either side closes.
 */
export function forwardUpgrade(to: ForwardTarget, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const upstream: Socket = connect(to.port, to.host, () => {
    const headers = { ...req.headers, ...forwardedFor(req) }
    const lines = Object.entries(headers).flatMap(([k, v]) =>
      v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((one) => `${k}: ${one}`),
    )
    upstream.write(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`)
    if (head.length > 0) upstream.write(head)
    upstream.pipe(socket)
    socket.pipe(upstream)
  })
  upstream.setNoDelay(true)
  const end = () => {
    upstream.destroy()
    socket.destroy()
  }
  upstream.on('error', end)
  upstream.on('close', end)
  socket.on('error', end)
  socket.on('close', end)
}
