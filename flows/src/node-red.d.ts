/**
 * Minimal types for the two untyped CommonJS packages this package embeds: `node-red` 4.1 (lib/red.js)
 * and `express4` (the workspace alias for express@4.22.2; @types/express in the tree describes express 5).
 * Only what `createFlows` uses is declared. Referenced from the files that import them, so a package
 * type-checking our exported source (the platform) sees these declarations too.
 */

declare module 'node-red' {
  import type { IncomingMessage, ServerResponse } from 'node:http'
  import type { EventEmitter } from 'node:events'

  /** An Express 4 application (Node-RED bundles its own express 4). */
  type ExpressApp = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void

  /** One record as Node-RED hands it to a `settings.logging.<name>.handler` (@node-red/util/lib/log.js). */
  export type LogMessage = {
    /** 10 fatal, 20 error, 30 warn, 40 info, 50 debug, 60 trace, 98 audit, 99 metric */
    level: number
    msg?: unknown
    /** Set when a node logs: its type, id, name and flow (tab) id. */
    type?: string
    id?: string
    name?: string
    z?: string
    path?: string
    timestamp?: number
  }

  type Red = {
    /**
     * Builds runtime and editor API. Node-RED only calls `server.on('upgrade', …)` on the server
     * (runtime/lib/index.js, editor-api comms.js, the core websocket node), so an EventEmitter will do.
     */
    init(server: EventEmitter, settings: object): void
    /** Loads nodes and flows, starts the editor comms. */
    start(): Promise<void>
    /** Stops flows and editor comms; Node-RED does not support start() again afterwards. */
    stop(): Promise<void>
    readonly httpAdmin: ExpressApp
    readonly httpNode: ExpressApp
    /** Runtime events ('flows:started', 'runtime-event', …), a process-wide EventEmitter. */
    readonly events: EventEmitter
    /** A function in 4.1 (runtime getVersion), despite the docs calling it a property. */
    readonly version: () => string
  }

  const RED: Red
  export default RED
}

declare module 'express4' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export type NextFunction = (err?: unknown) => void
  export type Handler = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void

  /** An Express 4 application: callable as a plain `http` request listener. */
  export interface Express {
    (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void
    use(path: string, ...handlers: Handler[]): Express
    use(...handlers: Handler[]): Express
    disable(setting: string): Express
  }

  function express(): Express
  export default express
}
