import { EventEmitter } from 'node:events'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { join, resolve } from 'node:path'
import { createStaMqtt } from '@urbantwin/api'
import { createBroker, hashToken, openSessionStore, redisCluster } from '@urbantwin/broker'
import { deviceKind } from '@urbantwin/devices'
import { createFlows, hashPassword, isUnder } from '@urbantwin/flows'
import { pathnameOf } from '@urbantwin/flows/paths'
import { createIngest, createWalConsumer, type ConsumerStats, type IngestStats } from '@urbantwin/ingest'
import type { Logger, ObservationEvent, ObservationRecord } from '@urbantwin/model'
import { munichScenarios, registryId, runFleet } from '@urbantwin/simulators'
import { openWal, timeSeriesOptions, type RegistryChange, type WalStats } from '@urbantwin/store'
import type { Config } from './config.ts'
import { brokerLimitsOf, mqttTlsOf } from './config-mqtt.ts'
import { prepareCredentials, type Credentials } from './credentials.ts'
import { startDataThread } from './data-thread.ts'
import { provisionDevice } from './provisioning.ts'
import { createMetrics } from './metrics.ts'
import { mqttApiKeyLogin, publicUrl } from './sta-mqtt.ts'

/** `GET /api/health`: what ingest, the WAL and its consumer are doing. */
export type PlatformHealth = {
  ingest: IngestStats
  wal: WalStats
  consumer: ConsumerStats
  mqttClients: number
  timeSeries: { backend: Config['TS_BACKEND']; reachable: boolean }
  broker: { listening: boolean; connections: number }
}

export type RunningPlatform = {
  httpPort: number
  mqttPort: number
  /** MQTT over TLS, when MQTT_TLS_CERT and MQTT_TLS_KEY are set. */
  mqttTlsPort: number | null
  /** What was generated on this start and must be shown to the operator once (never logged). */
  firstStart: Credentials['firstStart']
  /** Settles if the data thread (store and API) ends on its own: the platform cannot go on without it. */
  failed: Promise<Error>
  stop: () => Promise<void>
}

const SIMULATOR_USER = 'urbantwin-simulator'

function listen(server: HttpServer | TcpServer, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      done((server.address() as AddressInfo).port)
    })
  })
}

function close(server: HttpServer | TcpServer): Promise<void> {
  return new Promise((done) => server.close(() => done()))
}

/**
 * Starts everything in one process on the embedded store, on two threads: this one runs the broker,
 * the WAL, ingest's decoding, Node-RED and the simulators; the data thread (startDataThread) owns the
 * store and serves the API. Resolves when the platform serves.
 */
export async function startPlatform(config: Config, log: Logger): Promise<RunningPlatform> {
  const dataDir = resolve(config.DATA_DIR)
  const { secrets, apiKeys, firstStart, movedLegacyKey } = await prepareCredentials(
    dataDir,
    hashPassword,
    new Date(),
  )
  if (movedLegacyKey)
    log.info({ file: apiKeys.path }, 'operator key of secrets.json moved, hashed, to the API key file')
  const timeSeries = timeSeriesOptions(config)
  // filled in below; the data thread asks only once it serves HTTP
  let mainSide = {
    health: (): PlatformHealth | null => null,
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    forget: (_deviceId: string) => {},
    created: (_created: readonly ObservationRecord[]) => {},
    entities: (_changes: readonly RegistryChange[]) => {},
    disconnect: (_username: string) => 0,
  }
  const data = await startDataThread({
    config,
    dataDir,
    log,
    main: {
      health: async () => ({ ...mainSide.health() }),
      metrics: () => mainSide.metrics(),
      forget: async (deviceId) => mainSide.forget(deviceId),
      observationsCreated: async (created) => mainSide.created(created),
      entitiesChanged: async (changes) => mainSide.entities(changes),
      disconnect: async (username) => mainSide.disconnect(username),
    },
  })
  const { store } = data
  const stops: Array<() => Promise<void>> = [() => data.stop()]
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((err: unknown) => log.error({ err }, 'shutdown step failed'))
    }
  }
  try {
    await store.putMqttAccount({
      username: SIMULATOR_USER,
      passwordHash: hashToken(secrets.simulatorPassword),
      role: 'gateway',
      deviceId: null,
    })

    const wal = await openWal({
      dir: join(dataDir, 'wal'),
      maxBytes: config.WAL_MAX_BYTES,
      segmentBytes: config.WAL_SEGMENT_BYTES,
      groupCommitMs: config.WAL_GROUP_COMMIT_MS,
      fsync: config.WAL_FSYNC,
    })
    if (!config.WAL_FSYNC)
      log.warn({}, 'WAL_FSYNC=false: acknowledged readings can be lost in a crash (benchmarks only)')
    stops.push(() => wal.close())
    const observations = new EventEmitter()
    // SensorThings MQTT extension (OGC 18-088 14.2): new Observations on the broker's v1.1/… topics
    let boundHttpPort = config.HTTP_PORT
    const sta = createStaMqtt({
      store,
      base: () => `${publicUrl(config, boundHttpPort)}/v1.1`,
      log: log.child({ component: 'sta-mqtt' }),
      minCell: config.PRIVACY_MIN_CELL,
    })
    const ingest = createIngest({
      store,
      kindOf: deviceKind,
      log: log.child({ component: 'ingest' }),
      onStored: (events: ObservationEvent[]) => {
        for (const e of events) observations.emit('observation', e)
        sta.observations(events)
      },
    })
    // read at each scrape, once everything runs (the broker is made below)
    const metrics = createMetrics({
      ingest: () => ingest.stats(),
      wal: () => wal.stats(),
      consumer: () => consumer.stats(),
      mqttClients: () => broker.aedes.connectedClients,
      broker: () => broker.stats(),
      sessions: () => sessions?.stats() ?? null,
    })
    const consumer = createWalConsumer({
      wal,
      prepare: ingest.prepare,
      handle: async (prepared) => {
        const end = metrics.storeWriteSeconds.startTimer()
        try {
          await ingest.store(prepared)
        } finally {
          end()
        }
      },
      log: log.child({ component: 'ingest' }),
      // DuckDB is checkpointed before it confirms; a TSDB may lose what it acknowledged if it is killed
      commitLagMs: config.WAL_COMMIT_LAG_MS ?? (timeSeries.backend === 'duckdb' ? 0 : 60_000),
      gatherMs: config.INGEST_GATHER_MS,
    })
    consumer.start()
    stops.push(async () => {
      // the broker is closed by now: store what the WAL still holds (bounded), the rest is replayed next start
      await Promise.race([consumer.caughtUp(), new Promise((r) => setTimeout(r, 5000).unref())])
      await consumer.stop()
    })

    const mqttTls = mqttTlsOf(config) // unreadable PEM files stop the start here, before any port opens
    // Redis holds the sessions of a cluster; a single node journals them in the data directory
    const sessions = config.MQTT_REDIS_URL
      ? null
      : await openSessionStore({
          path: join(dataDir, 'mqtt', 'sessions.journal'),
          log: log.child({ component: 'broker' }),
          syncMs: config.MQTT_SESSIONS_SYNC_MS,
          maxQueuedPerClient: config.MQTT_MAX_QUEUED,
        })
    if (sessions) stops.push(() => sessions.close()) // the broker closes it first; this if it never started
    const broker = await createBroker({
      log: log.child({ component: 'broker' }),
      account: (u) => store.mqttAccount(u),
      wal,
      extensions: [sta],
      anonymousRead: config.API_ANONYMOUS_READ,
      allowAnonymous: config.MQTT_ALLOW_ANONYMOUS,
      limits: brokerLimitsOf(config),
      apiKey: mqttApiKeyLogin(apiKeys),
      ...(config.MQTT_REDIS_URL ? { cluster: redisCluster(config.MQTT_REDIS_URL) } : {}),
      ...(sessions ? { sessions } : {}),
    })
    if (config.MQTT_ALLOW_ANONYMOUS)
      log.warn(
        {},
        "MQTT_ALLOW_ANONYMOUS=true: clients without a login may publish and subscribe outside the platform's topics (interoperability tests only)",
      )
    stops.push(() => broker.close())
    const tcp = createTcpServer(broker.handle)
    const mqttPort = await listen(tcp, config.MQTT_PORT, config.BIND_HOST)
    stops.push(() => close(tcp))
    let mqttTlsPort: number | null = null
    if (mqttTls) {
      const tls = createTlsServer(mqttTls, broker.handle)
      tls.on('tlsClientError', (err) => log.debug({ err: err.message }, 'mqtt tls handshake failed'))
      mqttTlsPort = await listen(tls, config.MQTT_TLS_PORT, config.BIND_HOST)
      stops.push(() => close(tls))
    }

    mainSide = {
      health: (): PlatformHealth => ({
        ingest: ingest.stats(),
        wal: wal.stats(),
        consumer: consumer.stats(),
        mqttClients: broker.aedes.connectedClients,
        timeSeries: { backend: config.TS_BACKEND, reachable: consumer.stats().storeDownSince === null },
        broker: { listening: tcp.listening, connections: broker.stats().connections },
      }),
      metrics: async () => ({
        contentType: metrics.registry.contentType,
        body: await metrics.registry.metrics(),
      }),
      forget: (deviceId) => ingest.forget(deviceId),
      created: (created) => sta.created(created),
      entities: (changes) => sta.entities(changes),
      disconnect: (username) => broker.disconnect(username),
    }
    const server = createHttpServer()
    const flows = createFlows({
      server,
      log,
      userDir: join(dataDir, 'node-red'),
      adminUser: { username: secrets.nodeRed.username, passwordHash: secrets.nodeRed.passwordHash },
      credentialSecret: secrets.nodeRed.credentialSecret,
      observations,
    })
    // on loopback only: the data thread's public port hands /flows and /mqtt on to this server
    server.on('request', (req, res) => {
      if (isUnder(pathnameOf(req.url), '/flows')) flows.app(req, res)
      else res.writeHead(404).end()
    })
    // reached only through the public port's forwarder, which appends the client's address
    broker.attachWebSocket(server, '/mqtt', { forwarded: true })
    server.on('upgrade', (req, socket) => {
      // WebSocket endpoints: /mqtt (broker) and /flows/comms (Node-RED editor); nothing else.
      const path = pathnameOf(req.url)
      if (path !== '/mqtt' && !isUnder(path, '/flows')) socket.destroy()
    })
    stops.push(async () => {
      server.closeAllConnections()
      await close(server)
    })
    await flows.start()
    stops.push(() => flows.stop())
    const internalPort = await listen(server, 0, '127.0.0.1')
    const httpPort = await data.control.serve({
      mqttPort,
      forward: { host: '127.0.0.1', port: internalPort },
    })
    stops.push(() => data.control.closeHttp())
    boundHttpPort = httpPort

    const scenarios = munichScenarios({
      seed: config.SIM_SEED,
      containers: config.SIM_CONTAINERS,
      accessPoints: config.SIM_ACCESS_POINTS,
      surveys: config.SIM_SURVEYS,
    })
    if (scenarios.length > 0) {
      for (const d of scenarios.flatMap((s) => s.devices)) {
        const kind = deviceKind(d.kind)
        if (!kind) throw new Error(`simulated device ${d.deviceId} has unknown kind ${d.kind}`)
        await provisionDevice(store, kind, {
          ...d,
          deviceId: registryId(config.SIM_MODE, d),
          properties: { ...d.properties, simulated: true },
        })
      }
      const run = await runFleet({
        url: `mqtt://127.0.0.1:${mqttPort}`,
        login: { username: SIMULATOR_USER, password: secrets.simulatorPassword },
        scenarios,
        mode: config.SIM_MODE,
        speed: config.SIM_SPEED,
        log: log.child({ component: 'simulator' }),
      })
      stops.push(() => run.stop())
    }
    return { httpPort, mqttPort, mqttTlsPort, firstStart, failed: data.failed, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}
