import { readFileSync, writeFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { Logger } from '@urbantwin/model'
import { munichScenarios, simulateDay, WHOLE_CITY } from '../city.ts'
import { runFleet, type Login } from '../fleet/run.ts'
import { OUTPUT_MODES, type OutputMode } from '../output/messages.ts'
import {
  LoadSettings,
  loopbackAddresses,
  runLoad,
  runLoadProcesses,
  type LoadProgress,
} from '../load/index.ts'
import { provisionDevices } from './provision.ts'
import { rateMeter, statusLine } from './progress.ts'

const count = (v: string): number => {
  if (v === 'all') return Number.POSITIVE_INFINITY
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number ≥ 0 or "all"')
  return n
}
const positive = (v: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number > 0')
  return n
}
const instant = (v: string): Date => {
  const d = new Date(v)
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError('an ISO 8601 date or instant, e.g. 2026-10-01')
  return d
}

type CityFlags = { containers: number; accessPoints: number; surveys: number; seed: number }
function cityOptions(cmd: Command): Command {
  return cmd
    .option('--containers <n|all>', 'used-clothing containers at real AWM sites (575 sites)', count, 40)
    .option('--access-points <n|all>', 'M-WLAN access points at real sites (171 sites)', count, 20)
    .option('--surveys <n|all>', 'hotspot micro-surveys, one per WLAN site', count, 5)
    .option('--seed <n>', 'seed: the same seed gives the same city', (v) => Number.parseInt(v, 10), 1)
}

/** `urbantwin simulate …`: simulated Munich for demos, tests and load. Output goes to `out`/`err`. */
export function simulateCommand(deps: { log: Logger; out?: (line: string) => void }): Command {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`))
  const simulate = new Command('simulate').description('simulated devices at real Munich sites')

  cityOptions(
    simulate
      .command('fleet')
      .description('run a simulated city against a broker (live, accelerated, or back-filling history)')
      .option('--url <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
      .option('--username <name>', 'gateway login that may publish for every device')
      .option('--password <secret>', 'password of the gateway login (or env URBANTWIN_SIM_PASSWORD)')
      .option(
        '--credentials <file>',
        'per-device logins: JSON lines written by `simulate provision` (native mode)',
      )
      .addOption(
        new Option('--mode <mode>', 'how devices reach the broker').choices(OUTPUT_MODES).default('native'),
      )
      .option('--speed <x>', 'simulated seconds per real second (60 = an hour per minute)', positive, 60)
      .option('--from <date>', 'back-fill history from this date, with the original timestamps', instant)
      .option('--until <date>', 'stop after this simulated instant', instant)
      .addOption(new Option('--qos <qos>', 'MQTT QoS').choices(['0', '1']).default('1')),
  ).action(async (o: CityFlags & Record<string, unknown>) => {
    const scenarios = munichScenarios(o)
    const password = (o.password as string | undefined) ?? process.env.URBANTWIN_SIM_PASSWORD
    const perDevice = o.credentials ? readCredentials(String(o.credentials)) : undefined
    const login: Login | undefined =
      o.username && password ? { username: String(o.username), password } : undefined
    const line = statusLine(
      '{phase} | connected {connected} | sent {sent} | acked {acked} | {rate} msg/s | errors {errors} | sim {simTime}',
    )
    const rate = rateMeter()
    const run = await runFleet({
      url: String(o.url),
      ...(login ? { login } : {}),
      ...(perDevice ? { perDevice } : {}),
      scenarios,
      mode: o.mode as OutputMode,
      speed: Number(o.speed),
      ...(o.from ? { from: o.from as Date } : {}),
      ...(o.until ? { until: o.until as Date } : {}),
      qos: Number(o.qos) as 0 | 1,
      log: deps.log,
      onProgress: (p) => line.update({ ...p, rate: rate(p.acked) }),
    })
    const stop = async () => {
      await run.stop()
    }
    process.once('SIGINT', () => void stop())
    process.once('SIGTERM', () => void stop())
    await run.finished
    await run.stop()
    line.stop()
    const p = run.progress()
    out(`sent ${p.sent}, acked ${p.acked}, errors ${p.errors}, simulated until ${p.simTime}`)
  })

  cityOptions(
    simulate
      .command('provision')
      .description("register the simulated devices through the platform's API and write their MQTT logins")
      .requiredOption('--api <url>', 'platform base URL, e.g. http://127.0.0.1:8080')
      .option('--key <key>', 'operator API key (or env URBANTWIN_API_KEY)')
      .addOption(
        new Option('--mode <mode>', 'the ids the devices will use').choices(OUTPUT_MODES).default('native'),
      )
      .requiredOption('--out <file>', 'where to write the JSON lines of credentials (keep it secret)'),
  ).action(async (o: CityFlags & Record<string, unknown>) => {
    const key = (o.key as string | undefined) ?? process.env.URBANTWIN_API_KEY
    if (!key) throw new InvalidArgumentError('--key or URBANTWIN_API_KEY is required')
    const devices = munichScenarios(o).flatMap((s) => s.devices)
    const line = statusLine('provisioning {done}/{total}')
    const creds = await provisionDevices(String(o.api), key, devices, o.mode as OutputMode, (done) =>
      line.update({ done, total: devices.length }),
    )
    line.stop()
    writeFileSync(String(o.out), creds.map((c) => JSON.stringify(c)).join('\n') + '\n', { mode: 0o600 })
    out(`registered ${creds.length} devices; credentials in ${String(o.out)}`)
  })

  cityOptions(
    simulate
      .command('day')
      .description('simulate one day of the whole city offline and print what it looks like in numbers')
      .option('--date <date>', 'the day to simulate', instant, new Date())
      .option('--whole-city', 'every real site (overrides the counts)', false),
  ).action((o: CityFlags & { date: Date; wholeCity: boolean }) => {
    const summary = simulateDay(munichScenarios(o.wholeCity ? { ...WHOLE_CITY, seed: o.seed } : o), o.date)
    out(JSON.stringify(summary, null, 2))
  })

  simulate
    .command('load')
    .description(
      'N synthetic devices at a target rate, with sequence numbers so loss and duplicates can be counted',
    )
    .option('--url <url...>', 'broker(s), mqtt://host:port; connection i uses url[i % n]', [
      'mqtt://127.0.0.1:1883',
    ])
    .requiredOption('--devices <n>', 'synthetic devices', (v) => Number.parseInt(v, 10))
    .option('--connections <n>', 'MQTT connections (default: one per device)', (v) => Number.parseInt(v, 10))
    .option('--rate <msgs/s>', 'target total rate; 0 = as fast as possible', Number, 0)
    .addOption(new Option('--qos <qos>', 'MQTT QoS').choices(['0', '1', '2']).default('1'))
    .option('--duration <s>', 'publish for this many seconds', Number)
    .option('--messages <n>', 'stop after this many messages', (v) => Number.parseInt(v, 10))
    .option(
      '--processes <n>',
      'spread the devices over this many processes (~19,000 connections each here)',
      (v) => Number.parseInt(v, 10),
      1,
    )
    .option(
      '--sources <n>',
      'rotate this many loopback source addresses 127.0.0.x (helps above ~10,000 connections)',
      (v) => Number.parseInt(v, 10),
      1,
    )
    .option('--concurrency <n>', 'connects in flight at once', (v) => Number.parseInt(v, 10), 200)
    .option('--username <name>', 'one login for every connection')
    .option('--password <secret>', 'its password (or env URBANTWIN_SIM_PASSWORD)')
    .action(async (o: Record<string, unknown>) => {
      const urls = o.url as string[]
      const sources = Number(o.sources)
      const password = (o.password as string | undefined) ?? process.env.URBANTWIN_SIM_PASSWORD
      const settings = LoadSettings.safeParse({
        url: urls.length === 1 ? urls[0] : urls,
        devices: o.devices,
        ...(o.connections === undefined ? {} : { connections: o.connections }),
        rate: o.rate,
        qos: Number(o.qos),
        ...(o.duration === undefined ? {} : { durationMs: Math.round(Number(o.duration) * 1000) }),
        ...(o.messages === undefined ? {} : { messages: o.messages }),
        connectConcurrency: o.concurrency,
        ...(sources > 1 ? { localAddress: loopbackAddresses(sources) } : {}),
        ...(o.username ? { username: o.username, ...(password ? { password } : {}) } : {}),
      })
      if (!settings.success) {
        throw new InvalidArgumentError(
          settings.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '),
        )
      }
      const line = statusLine(
        '{phase} | connected {connected} | failed {connectFailures} | sent {sent} | acked {acked} | {rate} msg/s | errors {errors}',
      )
      const rate = rateMeter()
      const abort = new AbortController()
      process.once('SIGINT', () => abort.abort())
      const onProgress = (p: LoadProgress) => line.update({ ...p, rate: rate(p.acked || p.sent) })
      const processes = Number(o.processes)
      const report =
        processes > 1
          ? await runLoadProcesses({ ...settings.data, processes, onProgress, signal: abort.signal })
          : await runLoad({ ...settings.data, onProgress, signal: abort.signal })
      line.stop()
      const { lastSeq: _lastSeq, ...summary } = report
      out(JSON.stringify(summary, null, 2))
    })

  return simulate
}

function readCredentials(file: string): Map<string, Login> {
  const map = new Map<string, Login>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    const c = JSON.parse(line) as { deviceId: string; mqtt: Login }
    map.set(c.deviceId, { username: c.mqtt.username, password: c.mqtt.password })
  }
  return map
}
