import { createHash } from 'node:crypto'
import bcrypt from 'bcryptjs'
import type { Handler } from 'express4'

const REMEMBERED = 64

/**
 * HTTP Basic login (RFC 7617) against a bcrypt hash, for the endpoints of `http in` nodes.
 * A verified credential is remembered by its SHA-256 so that each request does not pay for bcrypt.
 */
export function basicAuth(user: { username: string; passwordHash: string }): Handler {
  const verified = new Set<string>()
  return (req, res, next) => {
    const header = req.headers.authorization ?? ''
    const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    const refuse = () => {
      res.statusCode = 401
      res.setHeader('WWW-Authenticate', 'Basic realm="UrbanTwin flows", charset="UTF-8"')
      res.setHeader('Content-Type', 'application/json')
      res.end(
        JSON.stringify({ code: 'UNAUTHORIZED', message: 'these flow endpoints need the Node-RED login' }),
      )
    }
    if (colon < 0 || decoded.slice(0, colon) !== user.username) return refuse()
    const digest = createHash('sha256').update(decoded).digest('hex')
    if (verified.has(digest)) return next()
    bcrypt
      .compare(decoded.slice(colon + 1), user.passwordHash)
      .then((ok) => {
        if (!ok) return refuse()
        if (verified.size >= REMEMBERED) verified.clear()
        verified.add(digest)
        next()
      })
      .catch(next)
  }
}
