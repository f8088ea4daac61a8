import { quantile, type LatencyHistogram } from './histogram.ts'
import { openLoadFleet, type LoadFleet } from './load-fleet.ts'
import type { LoadOptions } from './options.ts'
import { available, createPacer, msUntilNext, spend } from './pacer.ts'
import { defaultLoadPayload, defaultLoadTopic } from './payload.ts'

export type StopReason = 'messages' | 'duration' | 'signal' | 'no-connections'

export type LoadReport = {
  devices: number
  connections: number
  qos: 0 | 1 | 2
  /** Target msgs/s; 0 = as fast as possible. */
  targetRate: number
  connected: number
  connectFailures: number
  /** Why connects failed (`ECONNREFUSED`, `not authorized`, `connect timeout`, …) → count. */
  connectFailureReasons: Record<string, number>
  connectMs: number
  /** PUBLISH packets written. */
  sent: number
  /** PUBACKs (QoS 1) or PUBCOMPs (QoS 2) received. */
  acked: number
  /** QoS 1/2 publishes without an ack at the end (after `drainTimeoutMs`). */
  unacked: number
  /** Connections lost while publishing (no reconnects: their devices stop). */
  errors: number
  errorReasons: Record<string, number>
  /** From the first to the last PUBLISH written. */
  publishMs: number
  /** Until the last ack (QoS 1/2) or until the broker had read everything (QoS 0, PINGREQ barrier). */
  completeMs: number
  /** sent / publishMs. */
  achievedRate: number
  /** Completed messages (acked, or sent for QoS 0) / completeMs. */
  completedRate: number
  ackLatencyMs: { p50: number; p99: number; max: number } | null
  stoppedBy: StopReason
  /** Per device: the last sequence number sent (0 if none); sequences start at 1. */
  lastSeq: Map<string, number>
}

/** A report plus the mergeable latency histogram (what a child process sends to its parent). */
export type LoadResult = { report: LoadReport; latency: LatencyHistogram }

const BATCH = 1024 // publishes per turn when unpaced, then yield to I/O

/** Connects, publishes until a stop condition, waits for acks, disconnects. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  return (await runLoadWithHistogram(options)).report
}

export async function runLoadWithHistogram(options: LoadOptions): Promise<LoadResult> {
  const fleet = await openLoadFleet(options)
  try {
    return await publishLoad(fleet)
  } finally {
    await fleet.close()
  }
}

/** Drives an open fleet until a stop condition; the fleet stays open. */
export async function publishLoad(fleet: LoadFleet): Promise<LoadResult> {
  const { settings: s, options: o, connections: conns, live, stats, deviceIds } = fleet
  const C = conns.length
  const topicOf = o.topic ?? defaultLoadTopic
  const payloadOf = o.payload ?? defaultLoadPayload
  const topics = deviceIds.map(topicOf)
  const seqs = new Uint32Array(deviceIds.length)
  const cursor = Int32Array.from({ length: C }, (_, c) => c) // next local device per connection
  const limit = s.messages ?? Infinity
  const t0 = performance.now()
  const pacer = s.rate > 0 ? createPacer(s.rate, t0) : null
  let lastPublishAt = t0
  let stoppedBy: StopReason | null = null
  let rr = 0
  let scheduled = false
  let waiting = false
  let finish: () => void = () => {}
  const done = new Promise<void>((r) => (finish = r))

  const stop = (why: StopReason) => {
    if (stoppedBy) return
    stoppedBy = why
    finish()
  }
  if (stats.connected === 0) stop('no-connections')
  const onAbort = () => stop('signal')
  o.signal?.addEventListener('abort', onAbort)
  if (o.signal?.aborted) stop('signal')
  const timer = s.durationMs === undefined ? null : setTimeout(() => stop('duration'), s.durationMs)

  const schedule = (ms: number) => {
    if (scheduled || stoppedBy) return
    scheduled = true
    waiting = false
    if (ms <= 0) setImmediate(pump)
    else setTimeout(pump, ms)
  }
  stats.onReady = () => {
    if (waiting) schedule(0)
  }
  // tags for onAck: one record per publish, (device, seq) recovered from its index
  const onAck = o.onAck
  const tagged: Array<[number, number]> = []
  if (onAck) stats.onTaggedAck = (tag) => onAck(deviceIds[tagged[tag]![0]]!, tagged[tag]![1])

  function pump() {
    scheduled = false
    if (stoppedBy) return
    const now = performance.now()
    const wall = Date.now()
    let budget = Math.min(limit - stats.sent, pacer ? available(pacer, now) : BATCH)
    let n = 0
    let misses = 0
    while (n < budget && misses < C) {
      const c = rr
      rr = rr + 1 === C ? 0 : rr + 1
      const conn = conns[c]!
      if (!live[c] || !conn.ready) {
        misses++
        continue
      }
      misses = 0
      const d = cursor[c]!
      cursor[c] = d + C < deviceIds.length ? d + C : c
      const seq = ++seqs[d]!
      const tag = onAck && s.qos > 0 ? tagged.push([d, seq]) - 1 : undefined
      conn.publish(topics[d]!, payloadOf(deviceIds[d]!, seq, wall), s.qos, now, tag)
      n++
    }
    stats.sent += n
    if (n > 0) lastPublishAt = performance.now()
    if (pacer) spend(pacer, n)
    budget -= n
    if (stats.sent >= limit) return stop('messages')
    if (n === 0 && stats.connected - stats.errors <= 0) return stop('no-connections') // all lost
    if (budget > 0 || (n === 0 && !pacer))
      waiting = true // every connection busy: wait for ack/drain
    else schedule(pacer ? Math.max(1, msUntilNext(pacer)) : 0)
  }

  fleet.setPhase('publishing')
  schedule(0)
  await done
  if (timer) clearTimeout(timer)
  o.signal?.removeEventListener('abort', onAbort)
  stats.onReady = () => {}
  const publishEnd = stats.sent > 0 ? lastPublishAt : t0

  fleet.setPhase('draining')
  await drain(fleet, s.qos, s.drainTimeoutMs)
  const completeMs = performance.now() - t0
  const unacked = s.qos === 0 ? 0 : stats.sent - stats.acked
  const publishMs = publishEnd - t0
  const completed = s.qos === 0 ? stats.sent : stats.acked
  const [p50, p99] = [quantile(stats.latency, 0.5), quantile(stats.latency, 0.99)]
  return {
    latency: stats.latency,
    report: {
      devices: s.devices,
      connections: s.connections,
      qos: s.qos,
      targetRate: s.rate,
      connected: stats.connected,
      connectFailures: stats.connectFailures,
      connectFailureReasons: stats.connectFailureReasons,
      connectMs: fleet.connectMs,
      sent: stats.sent,
      acked: stats.acked,
      unacked,
      errors: stats.errors,
      errorReasons: stats.errorReasons,
      publishMs,
      completeMs,
      achievedRate: publishMs > 0 ? (stats.sent * 1000) / publishMs : 0,
      completedRate: completeMs > 0 ? (completed * 1000) / completeMs : 0,
      ackLatencyMs: p50 === null || p99 === null ? null : { p50, p99, max: stats.latency.maxMs },
      stoppedBy: stoppedBy ?? 'signal',
      lastSeq: new Map(deviceIds.map((id, i) => [id, seqs[i]!])),
    },
  }
}

/** Waits (bounded) for outstanding acks, then for the broker to have read every connection's stream. */
async function drain(fleet: LoadFleet, qos: 0 | 1 | 2, timeoutMs: number): Promise<void> {
  const { connections: conns, live, stats } = fleet
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))
  if (qos > 0) {
    const settled = new Promise<void>((resolve) => {
      stats.onSettled = () => {
        if (stats.sent - stats.acked - stats.abandoned <= 0) resolve()
      }
      stats.onSettled()
    })
    await Promise.race([settled, expired])
    stats.onSettled = () => {}
  }
  await Promise.race([Promise.all(conns.filter((_, i) => live[i]).map((c) => c.flush())), expired])
  clearTimeout(timer)
}
