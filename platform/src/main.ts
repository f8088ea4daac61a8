import { existsSync } from 'node:fs'
import { loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { startPlatform } from './platform.ts'

/** `npm start`: the only place that reads the environment, opens sockets and handles signals. */
if (existsSync('.env')) process.loadEnvFile('.env')
const config = loadConfig(process.env)
const log = createLogger(config)

/** Lifecycle lines (ready, stopping, stopped) are always written: scripts and tests wait for them. */
const lifecycle = log.child({}, { level: 'info' })

process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'))

const started = Date.now()
const platform = await startPlatform(config, log)
const host = config.BIND_HOST === '0.0.0.0' ? 'localhost' : config.BIND_HOST
const web = `${config.HTTP_TLS_CERT ? 'https' : 'http'}://${host}:${platform.httpPort}`
if (platform.firstStart) {
  // Shown once, on the terminal (stderr, never the JSON log on stdout); also in DATA_DIR/initial-credentials.txt.
  const { nodeRedPassword, adminApiKey } = platform.firstStart
  process.stderr.write(
    '\n' +
      (nodeRedPassword
        ? `First start: Node-RED editor login at ${web}/flows is user "admin", password "${nodeRedPassword}".\n`
        : '') +
      (adminApiKey ? `Admin API key (Authorization: Bearer <key>): ${adminApiKey}\n` : '') +
      `Shown only this once; also in ${config.DATA_DIR}/initial-credentials.txt. More keys: npm run urbantwin -- api-key create --help\n\n`,
  )
}
lifecycle.info(
  {
    httpPort: platform.httpPort,
    mqttPort: platform.mqttPort,
    mqttTlsPort: platform.mqttTlsPort,
    twin: `${web}/`,
    sensorThings: `${web}/v1.1`,
    flows: `${web}/flows`,
    mqtt: `mqtt://${host}:${platform.mqttPort}`,
    ...(platform.mqttTlsPort ? { mqtts: `mqtts://${host}:${platform.mqttTlsPort}` } : {}),
    mqttWebSocket: `${config.HTTP_TLS_CERT ? 'wss' : 'ws'}://${host}:${platform.httpPort}/mqtt`,
    startupMs: Date.now() - started,
  },
  'platform ready',
)

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  lifecycle.info({ signal }, 'platform stopping')
  await platform.stop()
  lifecycle.info({}, 'platform stopped')
  process.exit(0)
}
void platform.failed.then(async (err) => {
  // the store and the API are gone: stop the rest, so that a supervisor restarts the whole platform
  log.fatal({ err }, 'the data thread failed')
  stopping = true
  await platform.stop()
  process.exit(1)
})
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
