import type { Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import express from 'express4'
import type { Express } from 'express4'
import RED from 'node-red'
import type { Logger, ObservationFeed } from '@urbantwin/model'
import { basicAuth } from './basic-auth.ts'
import { installDefaultFlows } from './default-flows.ts'
import { waitForFlows } from './flows-started.ts'
import { nodeRedLogHandler } from './node-red-log.ts'
import { nodeRedSettings } from './settings.ts'
import { createUpgradeGate } from './upgrade-gate.ts'

export type FlowsOptions = {
  /** The platform's HTTP server; Node-RED's editor comms websocket (`${httpAdminRoot}/comms`) rides on it. */
  server: Server
  log: Logger
  /** Node-RED's userDir (flows.json, credentials, sessions); created if missing. */
  userDir: string
  /** The one editor/admin API login; `passwordHash` from `hashPassword`. */
  adminUser: { username: string; passwordHash: string }
  /** Encrypts node credentials in `flows_cred.json`. */
  credentialSecret: string
  observations: ObservationFeed
  /** Default `/flows`. */
  httpAdminRoot?: string
  /** Default `/flows/http`. */
  httpNodeRoot?: string
}

export type Flows = {
  /** Express 4 app; give it every request whose path is `httpAdminRoot` or below (and `httpNodeRoot`). */
  app: Express
  /** RED.start(): resolves once the flows run, or once Node-RED reports why they cannot (logged as a warning). */
  start(): Promise<void>
  /** RED.stop(); idempotent. */
  stop(): Promise<void>
}

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** `flows/` → `/flows`, `/` stays `/`. */
export function normaliseRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, '')
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`
}

/**
 * Node-RED's runtime is a process singleton: one instance at a time. A new createFlows after the previous
 * instance's stop() has resolved works (RED.init again; checked in the integration test).
 */
let active = false

/**
 * Builds Node-RED (RED.init) around the platform's server without opening anything; `start()` writes the
 * shipped flow on first run, attaches the upgrade gate and starts the runtime.
 */
export function createFlows(opts: FlowsOptions): Flows {
  if (active)
    throw new Error('createFlows: Node-RED is a process singleton; stop() the previous instance first')
  active = true
  const httpAdminRoot = normaliseRoot(opts.httpAdminRoot ?? '/flows')
  const httpNodeRoot = normaliseRoot(opts.httpNodeRoot ?? '/flows/http')
  const log = opts.log.child({ component: 'flows' })
  const gate = createUpgradeGate([httpAdminRoot, httpNodeRoot])

  const settings = nodeRedSettings({
    userDir: opts.userDir,
    nodesDir: packageDir,
    adminUser: opts.adminUser,
    credentialSecret: opts.credentialSecret,
    httpAdminRoot,
    httpNodeRoot,
    observations: opts.observations,
    logHandler: nodeRedLogHandler(log),
  })
  try {
    RED.init(gate.nodeRedServer, settings)
  } catch (err) {
    active = false
    throw err
  }

  const app = express()
  app.disable('x-powered-by')
  // The node root usually lies inside the admin root: mount it first so http-in routes win.
  // Embedded Node-RED ignores `httpNodeAuth` (only its CLI applies it): gate http-in endpoints ourselves.
  app.use(httpNodeRoot, basicAuth(opts.adminUser), RED.httpNode)
  app.use(httpAdminRoot, RED.httpAdmin)

  let started: Promise<void> | null = null
  let stopped: Promise<void> | null = null

  const run = async (): Promise<void> => {
    const installed = await installDefaultFlows(opts.userDir)
    if (installed) log.info({ userDir: opts.userDir }, 'shipped flows installed')
    gate.attach(opts.server)
    const abort = new AbortController()
    const flowsOutcome = waitForFlows(RED.events, abort.signal)
    try {
      await RED.start()
    } catch (err) {
      abort.abort()
      throw err
    }
    const outcome = await flowsOutcome
    // The editor stays up either way, so an operator can repair a broken flow: warn, don't fail.
    if (!outcome.ok) log.warn({ reason: outcome.reason }, 'node-red started without running flows')
    else log.info({ httpAdminRoot, httpNodeRoot, version: RED.version() }, 'node-red started')
  }

  return {
    app,
    start() {
      if (stopped) return Promise.reject(new Error('Node-RED cannot start again after stop()'))
      started ??= run()
      return started
    },
    stop() {
      stopped ??= (async () => {
        try {
          if (!started) return
          await started.catch(() => {}) // start()'s caller got that error; RED.stop() still releases what began
          gate.detach()
          await RED.stop()
          log.info({}, 'node-red stopped')
        } finally {
          active = false
        }
      })()
      return stopped
    },
  }
}
