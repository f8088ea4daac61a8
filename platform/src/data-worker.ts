import { createServer, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import express from 'express'
import { createApp } from '@urbantwin/api'
import { ChirpstackUplinkEvent, TtsUplinkMessage, deviceKind, deviceKinds } from '@urbantwin/devices'
import { isUnder, pathnameOf } from '@urbantwin/flows/paths'
import { openStore, timeSeriesOptions } from '@urbantwin/store'
import { openApiKeyStore, API_KEYS_FILE } from './api-keys.ts'
import { scheduleCompaction } from './compaction.ts'
import { importOnStart, scheduleResidentsPerDevice } from './statistics.ts'
import { openDataOf } from './config.ts'
import { httpTlsOf } from './config-mqtt.ts'
import { createHttpMetrics } from './http-metrics.ts'
import type { DataSide, DataThreadInput, MainSide } from './data-thread.ts'
import type { PlatformHealth } from './platform.ts'
import { forwardRequest, forwardUpgrade } from './forward.ts'
import { createLogger } from './logger.ts'
import { mqttAccountsService } from './mqtt-accounts.ts'
import { registerDevice } from './provisioning.ts'
import { createRpc } from './rpc.ts'
import { viewerDir } from './viewer.ts'

/** The data thread (see startDataThread): store, API and the public HTTP port. */
const port = parentPort
if (!port) throw new Error('data-worker.ts runs as a worker thread only')
const { config, dataDir } = workerData as DataThreadInput
const log = createLogger(config).child({ thread: 'data' })
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'))

const rpc = createRpc(port)
const main = rpc.remote<MainSide>('main')
const store = await openStore({
  path: join(dataDir, 'urbantwin.duckdb'),
  threads: config.STORE_DUCKDB_THREADS,
  timeSeries: timeSeriesOptions(config),
})
rpc.expose('store', store)
// residents per WLAN access point and per container of each district, as devices come and move
const perDevice = scheduleResidentsPerDevice({
  store,
  log: log.child({ component: 'statistics' }),
  minCell: config.PRIVACY_MIN_CELL,
  everyMs: config.STATISTICS_DERIVE_EVERY_MINUTES * 60_000,
})
// the registry's changes, for the SensorThings MQTT topics of entities (served on the main thread)
const stopWatching = store.watchRegistry(
  (changes) => {
    perDevice.registryChanged(changes)
    void main.entitiesChanged(changes).catch((err: unknown) => log.warn({ err }, 'live feed not told'))
  },
  (err) => log.error({ err }, 'registry changes not found'),
)

const stopCompaction =
  config.STORE_COMPACT_EVERY_MINUTES > 0
    ? scheduleCompaction({
        store,
        everyMs: config.STORE_COMPACT_EVERY_MINUTES * 60_000,
        minRows: config.STORE_COMPACT_MIN_ROWS,
        log: log.child({ component: 'store' }),
      })
    : async () => {}

let server: Server | null = null
const httpMetrics = createHttpMetrics()
/** The statistics import, running in the background once the API serves; close waits for it. */
let statistics: Promise<void> = Promise.resolve()

const data: DataSide = {
  async serve({ mqttPort, forward }) {
    const app = createApp({
      store,
      log: log.child({ component: 'api' }),
      auth: openApiKeyStore(join(dataDir, API_KEYS_FILE)),
      anonymousRead: config.API_ANONYMOUS_READ,
      onObservationsCreated: (created) =>
        void main
          .observationsCreated(created)
          .catch((err: unknown) => log.warn({ err }, 'live feed not told')),
      maxTop: config.API_MAX_TOP,
      minCell: config.PRIVACY_MIN_CELL,
      kindDomain: (kind) => deviceKinds.get(kind)?.domain,
      maxExpandDepth: config.API_MAX_EXPAND_DEPTH,
      maxBody: config.API_MAX_BODY,
      requestTimeoutMs: config.API_REQUEST_TIMEOUT_MS,
      rateLimit: {
        windowMs: 60_000,
        anonymous: config.API_RATE_LIMIT_PER_MINUTE,
        perKey: config.API_RATE_LIMIT_KEY_PER_MINUTE,
      },
      corsOrigins: config.API_CORS_ORIGINS,
      openData: openDataOf(config),
      trustProxy: config.API_TRUST_PROXY,
      docs: {
        deviceKinds: deviceKinds.values(),
        lorawan: { tts: TtsUplinkMessage, chirpstack: ChirpstackUplinkEvent },
        mqttPort,
      },
      devices: {
        register: async (r) => {
          const kind = deviceKind(r.kind)
          if (!kind) return null
          const registered = await registerDevice(store, kind, r)
          await main.forget(registered.deviceId) // a new calibration or question applies from the next uplink
          await main.disconnect(registered.deviceId) // it has a new token: the old one's session ends
          return registered
        },
      },
      mqttAccounts: mqttAccountsService(store, (username) => main.disconnect(username)),
      // the main thread's metrics (broker, WAL, ingest), then this thread's (HTTP latency)
      metrics: async () => {
        const m = await main.metrics()
        return { contentType: m.contentType, body: m.body + (await httpMetrics.registry.metrics()) }
      },
      health: () => main.health(),
      ready: async () => {
        const h = (await main.health().catch(() => ({}))) as Partial<PlatformHealth>
        const wal = h.wal
        return {
          broker: h.broker?.listening ? { ok: true } : { ok: false, detail: 'the MQTT listener is not up' },
          store: await store.mqttAccount('').then(
            () => ({ ok: true }),
            (err: unknown) => ({ ok: false, detail: `the store does not answer: ${(err as Error).message}` }),
          ),
          timeSeries: h.timeSeries?.reachable
            ? { ok: true }
            : { ok: false, detail: `${config.TS_BACKEND} refuses writes (ingest retries from the WAL)` },
          wal:
            wal && wal.bytes < wal.maxBytes * 0.9
              ? { ok: true }
              : { ok: false, detail: 'the write-ahead log is (nearly) full: publishes are being refused' },
        }
      },
      extra: (a) => {
        const dir = viewerDir()
        if (dir) a.use(express.static(dir, { index: 'index.html', maxAge: '1h' }))
        else log.warn({}, 'viewer not built: run npm run build')
      },
    })
    const handler: RequestListener = (req, res) => {
      httpMetrics.track(req, res)
      if (isUnder(pathnameOf(req.url), '/flows')) forwardRequest(forward, req, res)
      else app(req, res)
    }
    // HTTPS (and so wss:// for MQTT over WebSocket) when HTTP_TLS_CERT and HTTP_TLS_KEY are set
    const tls = httpTlsOf(config)
    const s: Server = tls ? createHttpsServer(tls, handler) : createServer(handler)
    s.on('upgrade', (req, socket, head) => {
      // WebSocket endpoints: /mqtt (broker) and /flows/comms (Node-RED editor), both on the main thread
      const path = pathnameOf(req.url)
      if (path === '/mqtt' || isUnder(path, '/flows')) forwardUpgrade(forward, req, socket, head)
      else socket.destroy()
    })
    await new Promise<void>((done, fail) => {
      s.once('error', fail)
      s.listen(config.HTTP_PORT, config.BIND_HOST, () => {
        s.off('error', fail)
        done()
      })
    })
    server = s
    statistics = (
      config.STATISTICS_IMPORT
        ? importOnStart(store, dataDir, log.child({ component: 'statistics' }), config.PRIVACY_MIN_CELL)
        : Promise.resolve()
    ).then(() => perDevice.start())
    return (s.address() as AddressInfo).port
  },
  async closeHttp() {
    const s = server
    server = null
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((done) => s.close(() => done()))
  },
  async close() {
    await data.closeHttp()
    await statistics
    await perDevice.stop()
    await stopCompaction()
    stopWatching()
    await store.close()
    // let this answer go out, then stop listening so that the thread can end
    setImmediate(() => rpc.close(new Error('the data thread has closed')))
  },
}
rpc.expose('data', data)
port.postMessage({ ready: true })
