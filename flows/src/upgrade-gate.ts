import { EventEmitter } from 'node:events'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'

/** `/flows` matches `/flows` and `/flows/…`, never `/flowsfoo`. Roots are normalised without a trailing slash. */
export function isUnder(pathname: string, root: string): boolean {
  return pathname === root || pathname.startsWith(root === '/' ? '/' : `${root}/`)
}

export function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/'
  const q = raw.indexOf('?')
  return q === -1 ? raw : raw.slice(0, q)
}

export type UpgradeGate = {
  /** What Node-RED gets as its "server": it only ever subscribes to 'upgrade' on it. */
  readonly nodeRedServer: EventEmitter
  attach(server: Server): void
  detach(): void
}

/**
 * Shields the shared HTTP server from Node-RED's upgrade listeners. Node-RED adds, and never removes:
 * - runtime/lib/index.js: for EVERY upgrade (any path) a no-op socket 'error' handler and a timer that
 *   destroys the socket after `inboundWebSocketTimeout` (5 s) if nothing was written to it;
 * - editor-api comms.js: handles `${httpAdminRoot}/comms`, ignores other paths, but after RED.stop()
 *   would call `handleUpgrade` on a null server and throw inside the server's 'upgrade' emit;
 * - the core websocket node: `${httpNodeRoot}/<path>`.
 * The gate forwards only upgrades under Node-RED's roots, and detaching it on stop removes them all.
 */
export function createUpgradeGate(roots: readonly string[]): UpgradeGate {
  const nodeRedServer = new EventEmitter()
  let attached: Server | null = null
  const forward = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = pathnameOf(req.url)
    if (roots.some((root) => isUnder(pathname, root))) nodeRedServer.emit('upgrade', req, socket, head)
  }
  return {
    nodeRedServer,
    attach(server) {
      if (attached) return
      attached = server
      server.on('upgrade', forward)
    },
    detach() {
      attached?.off('upgrade', forward)
      attached = null
    },
  }
}
