import { LeanConnection } from './connection.ts'
import { createHistogram, record, type LatencyHistogram } from './histogram.ts'
import { defaultDeviceId } from './payload.ts'
import { resolveSettings, type LoadOptions, type LoadProgress, type ResolvedSettings } from './options.ts'

/**
 * Connected synthetic devices, before and after publishing: `openLoadFleet` connects (bounded
 * concurrency), `publishLoad` (run-load.ts) drives them, `close` disconnects. Device `i` (local index)
 * publishes over connection `i % connections`; a connection logs in with its first device's credentials.
 */
export type LoadFleet = {
  readonly settings: ResolvedSettings
  readonly options: LoadOptions
  readonly deviceIds: readonly string[]
  readonly connections: readonly LeanConnection[]
  /** Connections that got a CONNACK 0 and have not been lost. */
  readonly live: boolean[]
  readonly stats: FleetStats
  readonly connectMs: number
  /** Progress sink (phase + counters), called ~1×/s while the fleet is open. */
  setPhase(phase: LoadProgress['phase']): void
  close(): Promise<void>
}

export type FleetStats = {
  connected: number
  connectFailures: number
  connectFailureReasons: Record<string, number>
  sent: number
  acked: number
  errors: number
  errorReasons: Record<string, number>
  /** QoS 1/2 publishes in flight on connections that were lost (never acked). */
  abandoned: number
  latency: LatencyHistogram
  /** Called when any connection becomes ready again (the publish loop sets it). */
  onReady: () => void
  /** Called after each ack or lost connection (the drain sets it). */
  onSettled: () => void
  /** Called with the tag of each acknowledged tagged publish (the publish loop sets it). */
  onTaggedAck: (tag: number) => void
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1)

export async function openLoadFleet(options: LoadOptions): Promise<LoadFleet> {
  const s = resolveSettings(options)
  const deviceIdOf = options.deviceId ?? defaultDeviceId
  const deviceIds = Array.from({ length: s.devices }, (_, i) => deviceIdOf(s.firstDevice + i))
  const urls = [s.url].flat().map((u) => new URL(u))
  const sources = s.localAddress === undefined ? [] : [s.localAddress].flat()
  const stats: FleetStats = {
    connected: 0,
    connectFailures: 0,
    connectFailureReasons: {},
    sent: 0,
    acked: 0,
    errors: 0,
    errorReasons: {},
    abandoned: 0,
    latency: createHistogram(),
    onReady: () => {},
    onSettled: () => {},
    onTaggedAck: () => {},
  }
  const live = new Array<boolean>(s.connections).fill(false)
  const connections = Array.from(
    { length: s.connections },
    (_, i) =>
      new LeanConnection(s.inflight, {
        onAck: (ms, tag) => {
          stats.acked++
          record(stats.latency, ms)
          if (tag !== undefined) stats.onTaggedAck(tag)
          stats.onSettled()
        },
        onReady: () => stats.onReady(),
        onLost: (reason) => {
          live[i] = false
          stats.errors++
          bump(stats.errorReasons, reason)
          stats.abandoned += connections[i]!.inflightCount
          stats.onSettled()
          stats.onReady() // wake the publish loop: it stops when no connection is left
        },
      }),
  )

  const t0 = performance.now()
  let phase: LoadProgress['phase'] = 'connecting'
  let last = { at: t0, sent: 0 }
  const progress = setInterval(() => {
    const now = performance.now()
    const p: LoadProgress = {
      phase,
      connected: stats.connected,
      connectFailures: stats.connectFailures,
      sent: stats.sent,
      acked: stats.acked,
      errors: stats.errors,
      elapsedMs: now - t0,
      currentRate: ((stats.sent - last.sent) * 1000) / Math.max(1, now - last.at),
    }
    last = { at: now, sent: stats.sent }
    options.onProgress?.(p)
  }, 1000).unref()
  const keepalive = setInterval(() => {
    const now = performance.now()
    for (let i = 0; i < connections.length; i++) if (live[i]) connections[i]!.keepAlive(now, s.keepaliveSec)
  }, 1000).unref()

  let next = 0
  const worker = async () => {
    while (next < s.connections && !options.signal?.aborted) {
      const i = next++
      const g = s.firstConnection + i
      const url = urls[g % urls.length]!
      const login = options.credentials
        ? options.credentials(deviceIds[i]!)
        : { username: s.username, password: s.password }
      const outcome = await connections[i]!.connect({
        host: url.hostname,
        port: Number(url.port),
        localAddress: sources.length ? sources[g % sources.length] : undefined,
        clientId: `${s.clientIdPrefix}-${g}`,
        username: login.username,
        password: login.password,
        keepaliveSec: s.keepaliveSec,
        timeoutMs: s.connectTimeoutMs,
      })
      if (outcome.ok) {
        live[i] = true
        stats.connected++
      } else {
        stats.connectFailures++
        bump(stats.connectFailureReasons, outcome.reason)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(s.connectConcurrency, s.connections) }, worker))
  const connectMs = performance.now() - t0

  return {
    settings: s,
    options,
    deviceIds,
    connections,
    live,
    stats,
    connectMs,
    setPhase: (p) => (phase = p),
    close: async () => {
      clearInterval(progress)
      clearInterval(keepalive)
      live.fill(false)
      await Promise.all(connections.map((c) => c.close()))
    },
  }
}
