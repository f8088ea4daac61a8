/**
 * Generator child of `npm run bench:broker` (forked, commands over IPC: see `Command` in broker-wire.ts).
 * MQTT 3.1.1 on raw sockets with packets made by mqtt-packet: PUBLISHes are copied from a per-device
 * template with the timestamp, sequence number and packet id written in, so that a few processes can
 * drive a thousand publishers faster than a broker takes them. Roles: publishers (as fast as the broker
 * takes them, or paced), one subscriber (counts, PUBACKs, measures publish → deliver latency), and
 * idle connections held open for the connection test.
 *
 *   tsx bench/broker-load.ts CREDENTIALS_FILE CA_PEM     (forked by bench/broker.ts)
 *
 * Loopback only. Exits when its parent goes away.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { generate, parser, type Packet } from 'mqtt-packet'
import { connectPacket } from '@urbantwin/broker/testing/packets'
import {
  Credentials,
  PAYLOAD_BYTES,
  SEQ_AT,
  SEQ_DIGITS,
  T_AT,
  T_DIGITS,
  UPLINK_FILTER,
  nowUs,
  payloadTemplate,
  uplinkTopic,
  type Command,
  type ConnectReport,
  type DeviceRange,
  type LatencyReport,
  type PublishReport,
  type Reply,
} from './broker-wire.ts'

const [credentialsFile, caFile] = process.argv.slice(2)
if (!credentialsFile || !caFile) throw new Error('usage: broker-load.ts CREDENTIALS_FILE CA_PEM')
const creds = Credentials.parse(JSON.parse(readFileSync(credentialsFile, 'utf8')))
const ca = readFileSync(caFile)
/** Our broker refuses keepalive 0 ("never"); 600 s is long enough that no phase needs a PINGREQ. */
const KEEPALIVE_S = 600
const CONNECT_TIMEOUT_MS = 30_000

type Mqtt = {
  socket: net.Socket
  onPacket: (p: Packet) => void
  /** After all packets of one read were handled: the place to write replies in one go. */
  afterData: () => void
}

function mqttConnect(
  port: number,
  clientId: string,
  login: readonly [string, string] | null,
  secure: boolean,
) {
  return new Promise<Mqtt>((resolve, reject) => {
    const socket = secure
      ? tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' })
      : net.connect(port, '127.0.0.1')
    let settled = false
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    const timer = setTimeout(() => fail(new Error('no CONNACK in 30 s')), CONNECT_TIMEOUT_MS)
    const m: Mqtt = {
      socket,
      onPacket: (p) => {
        if (p.cmd !== 'connack') return fail(new Error(`${p.cmd} before CONNACK`))
        if (p.returnCode !== 0) return fail(new Error(`CONNACK ${p.returnCode}`))
        settled = true
        clearTimeout(timer)
        resolve(m)
      },
      afterData: () => {},
    }
    const packets = parser({ protocolVersion: 4 })
    packets.on('packet', (p: Packet) => m.onPacket(p))
    packets.on('error', (err: Error) => socket.destroy(err))
    socket.on('data', (d: Buffer) => {
      packets.parse(d)
      m.afterData()
    })
    socket.on('error', (err) => fail(err))
    socket.once('close', () => fail(new Error('closed before CONNACK')))
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.setNoDelay(true)
      socket.write(
        generate(
          connectPacket({
            clientId,
            keepalive: KEEPALIVE_S,
            ...(login && { username: login[0], password: Buffer.from(login[1], 'utf8') }),
          }),
        ),
      )
    })
  })
}

/** Opens connections for `devices` with at most `concurrency` handshakes at once. */
async function openMany(
  devices: DeviceRange,
  concurrency: number,
  open: (deviceId: string, login: readonly [string, string] | null) => Promise<Mqtt>,
) {
  const ok: { deviceId: string; m: Mqtt }[] = []
  const reasons: Record<string, number> = {}
  let next = devices.from
  let failed = 0
  const t0 = performance.now()
  let last = t0
  const worker = async () => {
    while (next < devices.to) {
      const entry = creds.devices[next++]
      if (!entry) throw new Error(`no credentials for device #${next - 1}`)
      try {
        ok.push({ deviceId: entry[0], m: await open(entry[0], devices.login ? entry : null) })
        last = performance.now()
      } catch (err) {
        failed++
        const reason = (err as Error).message
        if (reasons[reason] !== undefined || Object.keys(reasons).length < 3)
          reasons[reason] = (reasons[reason] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ok, report: { connected: ok.length, failed, reasons, ms: last - t0 } satisfies ConnectReport }
}

// ---- publishers ------------------------------------------------------------------------------------

type Template = { buf: Buffer; payloadAt: number }
type Publisher = {
  m: Mqtt
  t0: Template
  t1: Template
  inflight: number
  /** PINGREQs not yet answered. */
  pings: number
  blocked: boolean
  id: number
  seq: number
}
let publishers: Publisher[] = []
/** Set while we close connections ourselves; any other close of a connection is counted. */
let closing = false
let closedEarly = 0
type Run = { qos: 0 | 1; rate: number; window: number; sent: number; acked: number; active: boolean }
let run: Run | null = null
let pacer: NodeJS.Timeout | null = null

function template(deviceId: string, qos: 0 | 1): Template {
  const buf = generate({
    cmd: 'publish',
    topic: uplinkTopic(deviceId),
    payload: payloadTemplate(deviceId),
    qos,
    messageId: 1,
    retain: false,
    dup: false,
  })
  return { buf, payloadAt: buf.length - PAYLOAD_BYTES }
}

/** `n` PUBLISHes of `p` in one buffer, stamped now. */
function encode(p: Publisher, qos: 0 | 1, n: number): Buffer {
  const t = qos ? p.t1 : p.t0
  const out = Buffer.allocUnsafe(t.buf.length * n)
  const stamp = String(nowUs()).padStart(T_DIGITS, '0')
  for (let k = 0, at = 0; k < n; k++, at += t.buf.length) {
    t.buf.copy(out, at)
    out.write(stamp, at + t.payloadAt + T_AT, 'latin1')
    p.seq = (p.seq + 1) % 10 ** SEQ_DIGITS
    out.write(String(p.seq).padStart(SEQ_DIGITS, '0'), at + t.payloadAt + SEQ_AT, 'latin1')
    if (qos) {
      p.id = (p.id % 65_535) + 1
      out.writeUInt16BE(p.id, at + t.payloadAt - 2) // the packet id sits right before the payload
    }
  }
  return out
}

const PINGREQ = Buffer.from([0xc0, 0x00]) // MQTT-3.12

/** Writes `n` PUBLISHes of `p` (and a PINGREQ after them); a full socket buffer holds `p` back until drained. */
function send(p: Publisher, r: Run, n: number, ping = false) {
  if (r.qos) p.inflight += n
  if (ping) p.pings++
  r.sent += n
  const out = encode(p, r.qos, n)
  const ok = ping ? p.m.socket.write(Buffer.concat([out, PINGREQ])) : p.m.socket.write(out)
  if (!ok) {
    p.blocked = true
    p.m.socket.once('drain', () => {
      p.blocked = false
      if (r.rate === 0) topUp(p, r)
    })
  }
}

/**
 * Saturation, closed loop so that nothing piles up in socket buffers: QoS 1 keeps `window` PUBLISHes
 * unacknowledged per publisher; QoS 0 sends `window` PUBLISHes and a PINGREQ, and the next ones when the
 * PINGRESP is back (a broker answers packets of a connection in order: MQTT-4.6.0).
 */
function topUp(p: Publisher, r: Run) {
  if (!r.active || p.blocked) return
  if (r.qos === 1) {
    if (p.inflight < r.window) send(p, r, r.window - p.inflight)
  } else if (p.pings === 0) send(p, r, r.window, true)
}

/** Rate-paced: every ms, what is due goes out, one message per publisher in turn. */
function paced(r: Run) {
  const t0 = performance.now()
  let cursor = 0
  pacer = setInterval(() => {
    let due = Math.floor((r.rate * (performance.now() - t0)) / 1000) - r.sent
    for (let idle = 0; due > 0 && idle < publishers.length;) {
      const p = publishers[cursor]!
      cursor = (cursor + 1) % publishers.length
      if (p.blocked || (r.qos === 1 && p.inflight >= r.window)) {
        idle++
        continue
      }
      idle = 0
      send(p, r, 1)
      due--
    }
  }, 1)
}

async function connectPublishers(port: number, devices: DeviceRange) {
  const { ok, report } = await openMany(devices, 50, (id, login) =>
    mqttConnect(port, `p-${id}`, login, false),
  )
  closing = false
  for (const { deviceId, m } of ok) {
    const p: Publisher = {
      m,
      t0: template(deviceId, 0),
      t1: template(deviceId, 1),
      inflight: 0,
      pings: 0,
      blocked: false,
      id: 0,
      seq: 0,
    }
    m.onPacket = (packet) => {
      if (packet.cmd === 'puback') {
        p.inflight--
        if (run) run.acked++
      } else if (packet.cmd === 'pingresp') p.pings--
    }
    m.afterData = () => {
      if (run?.rate === 0) topUp(p, run)
    }
    m.socket.once('close', () => closing || closedEarly++)
    publishers.push(p)
  }
  if (report.failed)
    throw new Error(`publishers: ${report.failed} failed to connect ${JSON.stringify(report.reasons)}`)
  return report
}

async function stopRun(): Promise<PublishReport> {
  const r = run
  if (!r) throw new Error('no run to stop')
  r.active = false
  if (pacer) clearInterval(pacer)
  pacer = null
  const deadline = performance.now() + 15_000
  while (publishers.some((p) => p.inflight > 0 || p.pings > 0) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20)) // polling for PUBACKs and PINGRESPs on their way
  run = null
  return {
    sent: r.sent,
    acked: r.acked,
    inflight: publishers.reduce((n, p) => n + p.inflight, 0),
    closedEarly,
  }
}

// ---- subscriber ------------------------------------------------------------------------------------

let subscriber: { m: Mqtt; received: number; sampling: boolean; latencies: number[] } | null = null

async function subscribe(port: number, login: boolean) {
  const m = await mqttConnect(
    port,
    `bench-sub-${process.pid}`,
    login ? [creds.subscriber.username, creds.subscriber.password] : null,
    false,
  )
  const s = { m, received: 0, sampling: false, latencies: [] as number[] }
  const acks: number[] = []
  await new Promise<void>((resolve, reject) => {
    m.onPacket = (p) => {
      if (p.cmd !== 'suback') return reject(new Error(`${p.cmd} before SUBACK`))
      if (p.granted[0] !== 1) return reject(new Error(`SUBACK ${String(p.granted[0])}: subscription refused`))
      resolve()
    }
    m.socket.write(
      generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: UPLINK_FILTER, qos: 1 }] }),
    )
  })
  m.onPacket = (p) => {
    if (p.cmd !== 'publish') return
    s.received++
    if (s.sampling) {
      const sent = Number((p.payload as Buffer).toString('latin1', T_AT, T_AT + T_DIGITS))
      s.latencies.push((nowUs() - sent) / 1000)
    }
    if (p.qos === 1) acks.push(p.messageId!)
  }
  m.afterData = () => {
    if (acks.length === 0) return
    const out = Buffer.allocUnsafe(4 * acks.length)
    acks.forEach((id, i) => {
      out[4 * i] = 0x40 // PUBACK, remaining length 2 (MQTT-3.4)
      out[4 * i + 1] = 2
      out.writeUInt16BE(id, 4 * i + 2)
    })
    acks.length = 0
    m.socket.write(out)
  }
  subscriber = s
}

function latency(on: boolean): LatencyReport | null {
  const s = subscriber
  if (!s) throw new Error('no subscriber')
  s.sampling = on
  if (on) {
    s.latencies = []
    return null
  }
  const xs = s.latencies.sort((a, b) => a - b)
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN
  s.latencies = []
  return { samples: xs.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: xs.at(-1) ?? NaN }
}

// ---- idle connections ------------------------------------------------------------------------------

let held: Mqtt[] = []

async function holdConnections(port: number, secure: boolean, devices: DeviceRange, concurrency: number) {
  closing = false
  const { ok, report } = await openMany(devices, concurrency, (id, login) =>
    mqttConnect(port, `c-${id}`, login, secure),
  )
  for (const { m } of ok) {
    m.onPacket = () => {}
    m.socket.once('close', () => closing || closedEarly++)
  }
  held.push(...ok.map((c) => c.m))
  return report
}

function disconnectAll() {
  closing = true
  const all = [...publishers.map((p) => p.m), ...(subscriber ? [subscriber.m] : []), ...held]
  for (const m of all) m.socket.destroy()
  const report = { closed: all.length, closedEarly }
  publishers = []
  subscriber = null
  held = []
  closedEarly = 0
  return report
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'publishers':
      return connectPublishers(c.port, c.devices)
    case 'subscriber':
      return subscribe(c.port, c.login)
    case 'start': {
      if (run) throw new Error('a run is active')
      const r: Run = { qos: c.qos, rate: c.rate, window: c.window, sent: 0, acked: 0, active: true }
      run = r
      if (c.rate > 0) paced(r)
      else for (const p of publishers) topUp(p, r)
      return null
    }
    case 'stop':
      return stopRun()
    case 'count':
      return { received: subscriber?.received ?? 0 }
    case 'latency':
      return latency(c.on)
    case 'connections':
      return holdConnections(c.port, c.tls, c.devices, c.concurrency)
    case 'disconnect':
      return disconnectAll()
  }
}

process.on('message', (msg: Command & { id: number }) => {
  handle(msg).then(
    (value) => process.send!({ id: msg.id, ok: true, value } satisfies Reply),
    (err: Error) => process.send!({ id: msg.id, ok: false, error: err.message } satisfies Reply),
  )
})
process.on('disconnect', () => process.exit(0))
process.send!({ ready: true })
