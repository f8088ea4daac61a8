/** The tables of `npm run bench:broker`: medians over rounds, ratios to the peers, where the cores went. */
import { spawnSync } from 'node:child_process'
import { cpus } from 'node:os'
import { MOSQUITTO_SETTINGS, type BrokerName } from './broker-procs.ts'
import { PAYLOAD_BYTES, UPLINK_FILTER, type ServerStats } from './broker-wire.ts'

/** CPU over a measured window, in % of one core (machine: % of all its cores, everyone's processes). */
export type Usage = { brokerPct: number; brokerMainPct: number; generatorPct: number[]; machinePct: number }
export type Saturation = {
  rate: number
  usage: Usage
  cpuSPer100k: number
  sent: number
  acked: number
  delivered: number
  closedEarly: number
  drained: boolean
}
export type Latency = {
  targetRate: number
  rate: number
  samples: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  closedEarly: number
  usage: Usage
}
export type Connections = {
  connected: number
  failed: number
  reasons: Record<string, number>
  rate: number
  rssMiB: number
  idleRssMiB: number
  cpuMsPerConn: number
  closedEarly: number
  usage: Usage
}
export type Round = {
  saturation: Partial<Record<0 | 1, Saturation>>
  latency: Partial<Record<0 | 1, Latency>>
  connections: Partial<Record<'tcp' | 'tls', Connections>>
  server: ServerStats | null
  /** Warnings (refusals) our broker logged, over all its processes of the round. */
  warnings: number
}
export type ReportInput = {
  results: Map<BrokerName, Round[]>
  runs: number
  durationMs: number
  connections: number
  publishers: number
  generators: number
  window: number
}

const LABEL: Record<BrokerName, string> = {
  ours: 'ours',
  aedes: 'bare aedes',
  mosquitto: 'mosquitto',
  'ours-nofsync': 'ours, WAL without fsync (diagnostic)',
}
/** A process at or above this share of a core is taken to be the limit. */
const BUSY_PCT = 85

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const f0 = (x: number) => Math.round(x).toLocaleString('en-US')
const f1 = (x: number) => x.toFixed(1)
const f2 = (x: number) => x.toFixed(2)
const f3 = (x: number) => x.toFixed(3)
const cell = (xs: number[], fmt: (x: number) => string) =>
  xs.length === 0
    ? '–'
    : xs.length === 1
      ? fmt(xs[0]!)
      : `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`

type Row = {
  name: string
  pick: (r: Round) => number | undefined
  fmt: (x: number) => string
  /** Target for ours ÷ bare aedes. */
  vsAedes?: { op: '≥' | '≤'; value: number }
  /** Target for ours' own value. */
  own?: { op: '≤'; value: number; text: string }
}

function mosquittoVersion(): string {
  const r = spawnSync('/usr/sbin/mosquitto', ['-h'], { encoding: 'utf8' })
  return /mosquitto version (\S+)/.exec(r.stdout ?? '')?.[1] ?? '?'
}

/** What limited a saturation phase, judged by CPU: the broker's event loop, a generator, or the machine. */
function bottleneck(u: Usage, generators: number): string {
  const pubs = u.generatorPct.slice(0, generators)
  const sub = u.generatorPct[generators] ?? 0
  if (u.brokerMainPct >= BUSY_PCT) return `broker (event loop at ${f0(u.brokerMainPct)} % of a core)`
  if (Math.max(...pubs) >= BUSY_PCT) return `generator (a publisher process at ${f0(Math.max(...pubs))} %)`
  if (sub >= BUSY_PCT) return `generator (the subscriber process at ${f0(sub)} %)`
  if (u.machinePct >= 90)
    return `the machine: both cores busy (${f0(u.machinePct)} %), the broker got ${f0(u.brokerMainPct)} % of one`
  return 'none by CPU (waits: I/O, fsync, flow control)'
}

export function printReport(input: ReportInput): void {
  const { results, runs } = input
  const brokers = [...results.keys()]
  const values = (b: BrokerName, pick: Row['pick']) =>
    (results.get(b) ?? []).map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x))
  const ratio = (a: BrokerName, b: BrokerName, row: Row) => {
    const x = values(a, row.pick)
    const y = values(b, row.pick)
    if (!x.length || !y.length) return '–'
    const q = median(x) / median(y)
    const t = a === 'ours' && b === 'aedes' ? row.vsAedes : undefined
    if (!t) return f2(q)
    const ok = t.op === '≥' ? q >= t.value : q <= t.value
    return `${f2(q)} ${ok ? '✓' : '✗'} (${t.op} ${t.value})`
  }
  const n = f0(input.connections)
  const rows: Row[] = []
  for (const q of [0, 1] as const) {
    rows.push({
      name: `QoS ${q} throughput at saturation, msgs/s delivered`,
      pick: (r) => r.saturation[q]?.rate,
      fmt: f0,
      vsAedes: { op: '≥', value: 0.8 },
    })
  }
  for (const q of [0, 1] as const) {
    rows.push(
      {
        name: `QoS ${q} paced rate delivered, % of ½ own saturation (< 95: overloaded, latency is queueing)`,
        pick: (r) => {
          const l = r.latency[q]
          return l && (l.rate / l.targetRate) * 100
        },
        fmt: f0,
      },
      {
        name: `QoS ${q} publish → deliver p50, ms (at ½ own saturation)`,
        pick: (r) => r.latency[q]?.p50Ms,
        fmt: f2,
      },
      {
        name: `QoS ${q} publish → deliver p99, ms (at ½ own saturation)`,
        pick: (r) => r.latency[q]?.p99Ms,
        fmt: f2,
        vsAedes: { op: '≤', value: 1.5 },
      },
    )
  }
  for (const q of [0, 1] as const)
    rows.push({
      name: `QoS ${q} broker CPU s per 100,000 msgs (at saturation)`,
      pick: (r) => r.saturation[q]?.cpuSPer100k,
      fmt: f3,
    })
  for (const k of ['tcp', 'tls'] as const) {
    const via = k.toUpperCase()
    rows.push(
      {
        name: `${via}: connect rate, conn/s (${n} connections)`,
        pick: (r) => r.connections[k]?.rate,
        fmt: f0,
      },
      {
        name: `${via}: broker RSS with all ${n} connected, MiB`,
        pick: (r) => r.connections[k]?.rssMiB,
        fmt: f0,
        own: { op: '≤', value: 1.5e9 / 2 ** 20, text: '≤ 1.5 GB' },
      },
    )
  }

  const cores = cpus()
  console.log(
    `\nMQTT brokers on 127.0.0.1: ours (createBroker: device logins, ACL, WAL with fsync) vs bare aedes 1.2.0 vs mosquitto ${mosquittoVersion()} (Debian); ${runs} interleaved round(s), median (min–max); ${cores.length} × ${cores[0]?.model.trim() ?? '?'}, node ${process.version}. The machine is shared: other users' processes take CPU too (see "whole machine" below).\n`,
  )
  console.log(
    `Load: ${f0(input.publishers)} publishers (${PAYLOAD_BYTES} B payloads, own uplink topic each; QoS 1 with ≤ ${input.window} in flight per publisher) in ${input.generators} processes, 1 subscriber to ${UPLINK_FILTER} in a process of its own; each phase ${input.durationMs / 1000} s measured after 1 s of warm-up. Latency: rate-paced at half of the broker's own saturation rate of that round, timestamp in the payload.\n`,
  )
  const have = (b: BrokerName) => brokers.includes(b)
  console.log(
    `| measure | ${brokers.map((b) => LABEL[b]).join(' | ')} | ours ÷ bare aedes | ours ÷ mosquitto | target for ours |`,
  )
  console.log(`|---|${brokers.map(() => '---:').join('|')}|---:|---:|---|`)
  for (const row of rows) {
    if (brokers.every((b) => values(b, row.pick).length === 0)) continue
    const own = values('ours', row.pick)
    const target = row.own
      ? own.length
        ? `${row.own.text} ${median(own) <= row.own.value ? '✓' : '✗'}`
        : row.own.text
      : row.vsAedes
        ? `${row.vsAedes.op} ${row.vsAedes.value} × bare aedes`
        : ''
    console.log(
      `| ${row.name} | ${brokers.map((b) => cell(values(b, row.pick), row.fmt)).join(' | ')} | ${
        have('ours') && have('aedes') ? ratio('ours', 'aedes', row) : '–'
      } | ${have('ours') && have('mosquitto') ? ratio('ours', 'mosquitto', row) : '–'} | ${target} |`,
    )
  }

  const usageRows: string[] = []
  const ncores = cpus().length
  for (const b of brokers)
    for (const q of [0, 1] as const)
      for (const phase of ['saturation', 'latency'] as const) {
        const ps = (results.get(b) ?? []).map((r) => r[phase][q]).filter((s) => s !== undefined)
        if (!ps.length) continue
        const u = (pick: (u: Usage) => number) => median(ps.map((s) => pick(s.usage)))
        const gens = ps[0]!.usage.generatorPct.map((_, i) => u((x) => x.generatorPct[i] ?? 0))
        const m: Usage = {
          brokerPct: u((x) => x.brokerPct),
          brokerMainPct: u((x) => x.brokerMainPct),
          generatorPct: gens,
          machinePct: u((x) => x.machinePct),
        }
        const others = m.machinePct * ncores - m.brokerPct - gens.reduce((a, g) => a + g, 0)
        const what = phase === 'saturation' ? 'saturation' : 'paced at ½'
        usageRows.push(
          `| ${LABEL[b]}, QoS ${q}, ${what} | ${f0(median(ps.map((s) => s.rate)))} | ${f0(m.brokerPct)} (${f0(m.brokerMainPct)}) | ${gens
            .slice(0, input.generators)
            .map(f0)
            .join(
              ', ',
            )} | ${f0(gens[input.generators] ?? 0)} | ${f0(Math.max(0, others))} | ${f0(m.machinePct)} | ${
            phase === 'saturation' ? bottleneck(m, input.generators) : ''
          } |`,
        )
      }
  if (usageRows.length) {
    console.log(
      `\nWhere the cores went (medians; % of one core; ${ncores} cores = ${ncores * 100} %; a process at ≥ ${BUSY_PCT} % of a core is taken as the limit; "everything else" is the machine's busy time not in our processes: other users' processes and kernel time outside process context)\n`,
    )
    console.log(
      '| broker, phase | msgs/s delivered | broker process (event loop) | publisher processes | subscriber process | everything else | whole machine, % of all cores | limited by |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---|')
    for (const r of usageRows) console.log(r)
  }

  const connRows: string[] = []
  for (const b of brokers)
    for (const k of ['tcp', 'tls'] as const) {
      const cs = (results.get(b) ?? []).map((r) => r.connections[k]).filter((c) => c !== undefined)
      if (!cs.length) continue
      const m = (pick: (c: Connections) => number) => median(cs.map(pick))
      connRows.push(
        `| ${LABEL[b]}, ${k.toUpperCase()} | ${f0(m((c) => c.rate))} | ${f2(m((c) => c.cpuMsPerConn))} | ${f0(m((c) => c.usage.brokerMainPct))} | ${f0(m((c) => Math.max(...c.usage.generatorPct)))} | ${f0(m((c) => c.usage.machinePct))} | ${f0(m((c) => c.idleRssMiB))} → ${f0(m((c) => c.rssMiB))} | ${f1(m((c) => ((c.rssMiB - c.idleRssMiB) * 1024) / Math.max(1, c.connected)))} | ${cs.map((c) => `${f0(c.connected)}/${f0(c.connected + c.failed)}`).join(', ')} |`,
      )
    }
  if (connRows.length) {
    console.log(
      `\nConnecting ${n} clients at once (50 handshakes in flight per generator process; medians)\n`,
    )
    console.log(
      '| broker, transport | conn/s | broker CPU ms per connection | broker event loop % | busiest generator % | whole machine % | broker RSS idle → all connected, MiB | KiB per connection | connected per round |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|')
    for (const r of connRows) console.log(r)
  }

  console.log('\nNotes')
  for (const b of ['ours', 'ours-nofsync'] as const) {
    const rs = results.get(b) ?? []
    const wal = rs.map((r) => r.server?.wal).filter((w) => w != null)
    const ms = (x: number | null) => (x === null ? '–' : f2(x))
    if (wal.length)
      console.log(
        `- ${LABEL[b]}, WAL: fsync ${wal[0]!.fsync ? 'on (the default)' : 'OFF'}, in $TMPDIR on ${wal[0]!.fsType}, maxBytes ${f0(wal[0]!.maxBytes / 2 ** 20)} MiB (the default). Nothing consumes the records here, so the broker-server commits the WAL to its last record every second, as the ingest consumer does after storing, which deletes the segments behind it: peak size per round ${wal.map((x) => `${f1(x.peakBytes / 2 ** 20)} MiB`).join(', ')}; appends per fsync (group commit) ${wal.map((x) => f1(x.appended / Math.max(1, x.fsyncs))).join(', ')}; append → durable p50 / p99 (every 16th append, all phases) ${wal.map((x) => `${ms(x.durableP50Ms)} / ${ms(x.durableP99Ms)} ms`).join(', ')}. A QoS 1 uplink is routed to subscribers when it was handed to the WAL; only its PUBACK waits until it is durable, so this is part of the publisher's publish → PUBACK time, not of publish → deliver.`,
      )
    if (rs.length)
      console.log(
        `- ${LABEL[b]}: each publisher and each connection logs in as its own device (hashed 192-bit token); the subscriber logs in as an admin, because the ACL lets no gateway read other devices' uplinks. Broker warnings (refusals) per round: ${rs.map((r) => r.warnings).join(', ')}.`,
      )
  }
  if (brokers.includes('mosquitto'))
    console.log(
      `- mosquitto: allow_anonymous true (no password file: its clients connect without a login, as bare aedes'), persistence false, ${MOSQUITTO_SETTINGS.map((s) => s.split(' ').slice(0, 2).join(' ')).join(', ')}, TLS listener with the same certificate (tls_version tlsv1.2).`,
    )
  for (const b of brokers) {
    const rs = results.get(b) ?? []
    const parts: string[] = []
    for (const q of [0, 1] as const) {
      const lat = rs.map((r) => r.latency[q]).filter((l) => l !== undefined)
      if (lat.length)
        parts.push(
          `QoS ${q} latency at ${lat.map((l) => `${f0(l.targetRate)} msgs/s (got ${f0(l.rate)}, ${f0(l.samples)} samples, max ${f1(l.maxMs)} ms)`).join('; ')}`,
        )
      const sat = rs.map((r) => r.saturation[q]).filter((s) => s !== undefined)
      if (sat.length)
        parts.push(
          q === 0
            ? `QoS 0 delivered ${sat.map((s) => `${f1((s.delivered / Math.max(1, s.sent)) * 100)} %`).join(', ')} of sent`
            : `QoS 1 delivered − acked: ${sat.map((s) => f0(s.delivered - s.acked)).join(', ')}`,
        )
      if (sat.some((s) => !s.drained)) parts.push(`QoS ${q}: a backlog was still being delivered after 30 s`)
    }
    const dropped = rs.reduce(
      (n, r) =>
        n +
        [0, 1].reduce(
          (m, q) =>
            m + (r.saturation[q as 0 | 1]?.closedEarly ?? 0) + (r.latency[q as 0 | 1]?.closedEarly ?? 0),
          0,
        ) +
        (r.connections.tcp?.closedEarly ?? 0) +
        (r.connections.tls?.closedEarly ?? 0),
      0,
    )
    parts.push(`connections the broker closed during a phase: ${dropped}`)
    const reasons = rs.flatMap((r) =>
      Object.values(r.connections).flatMap((c) => Object.entries(c.reasons).map(([k, v]) => `${k} × ${v}`)),
    )
    if (reasons.length) parts.push(`connect failures: ${reasons.join('; ')}`)
    console.log(`- ${LABEL[b]}: ${parts.join('; ')}.`)
  }
}
