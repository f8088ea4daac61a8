import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { BrokerStats, SessionStoreStats } from '@urbantwin/broker'
import type { ConsumerStats, IngestStats } from '@urbantwin/ingest'
import type { WalStats } from '@urbantwin/store'

export type MetricSources = {
  ingest: () => IngestStats
  wal: () => WalStats
  consumer: () => ConsumerStats
  mqttClients: () => number
  broker: () => BrokerStats
  /** The broker's session journal (none with MQTT_REDIS_URL: Redis holds the sessions). */
  sessions: () => SessionStoreStats | null
}

/**
 * Prometheus metrics (prom-client), read from the live counters at each scrape: messages in,
 * observations stored, quarantine by category, WAL backlog and disk use, store outages.
 */
export function createMetrics(src: MetricSources): { registry: Registry; storeWriteSeconds: Histogram } {
  const registry = new Registry()
  const storeWriteSeconds = new Histogram({
    name: 'urbantwin_store_write_duration_seconds',
    help: 'One ingest batch written to the store (decoded readings of up to a WAL read)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  collectDefaultMetrics({ register: registry, prefix: 'urbantwin_process_' })
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect(this)
      },
    })
  gauge('urbantwin_ingest_messages_total', 'Uplinks handled from the WAL', [], (g) =>
    g.set(src.ingest().received),
  )
  gauge('urbantwin_ingest_accepted_total', 'Uplinks that became observations', [], (g) =>
    g.set(src.ingest().accepted),
  )
  gauge('urbantwin_observations_stored_total', 'Observations written (replays excluded)', [], (g) =>
    g.set(src.ingest().stored),
  )
  gauge('urbantwin_observations_duplicate_total', 'Observations skipped as already stored', [], (g) =>
    g.set(src.ingest().duplicates),
  )
  gauge('urbantwin_quarantine_total', 'Uplinks quarantined, by category', ['category'], (g) => {
    g.reset()
    for (const [category, n] of Object.entries(src.ingest().byCategory)) g.set({ category }, n)
  })
  gauge('urbantwin_store_failures_total', 'Failed store writes (retried from the WAL)', [], (g) =>
    g.set(src.ingest().storeFailures),
  )
  gauge('urbantwin_store_down', '1 while the store refuses writes', [], (g) =>
    g.set(src.consumer().storeDownSince ? 1 : 0),
  )
  gauge('urbantwin_wal_backlog_records', 'WAL records not yet checkpointed', [], (g) =>
    g.set(src.wal().backlog),
  )
  gauge('urbantwin_wal_bytes', 'Disk used by WAL segments', [], (g) => g.set(src.wal().bytes))
  gauge('urbantwin_wal_max_bytes', 'WAL disk bound (publishes refused at it)', [], (g) =>
    g.set(src.wal().maxBytes),
  )
  gauge('urbantwin_wal_fsyncs_total', 'WAL group commits', [], (g) => g.set(src.wal().fsyncs))
  gauge(
    'urbantwin_wal_lag_seconds',
    'Age of the oldest reading read from the WAL and not yet stored (0 when ingest has caught up)',
    [],
    (g) => {
      const since = src.consumer().unstoredSince
      g.set(since === null ? 0 : Math.max(0, (Date.now() - Date.parse(since)) / 1000))
    },
  )
  gauge('urbantwin_mqtt_clients', 'Connected MQTT clients', [], (g) => g.set(src.mqttClients()))
  gauge('urbantwin_mqtt_connections', 'Open MQTT connections (TCP, TLS, WebSocket)', [], (g) =>
    g.set(src.broker().connections),
  )
  gauge('urbantwin_mqtt_connects_total', 'Accepted MQTT CONNECTs', [], (g) => g.set(src.broker().connects))
  gauge('urbantwin_mqtt_refused_total', 'What the broker refused, by reason', ['reason'], (g) => {
    for (const [reason, n] of Object.entries(src.broker().refused)) g.set({ reason }, n)
  })
  gauge('urbantwin_mqtt_messages_received_total', 'PUBLISH accepted from clients, by QoS', ['qos'], (g) =>
    src.broker().received.forEach((n, qos) => g.set({ qos: String(qos) }, n)),
  )
  gauge(
    'urbantwin_mqtt_messages_forwarded_total',
    'PUBLISH handed to subscribers, by the QoS they were published with',
    ['qos'],
    (g) => src.broker().forwarded.forEach((n, qos) => g.set({ qos: String(qos) }, n)),
  )
  const session = (name: string, help: string, value: (s: SessionStoreStats) => number) =>
    gauge(name, help, [], (g) => {
      const s = src.sessions()
      if (s) g.set(value(s))
    })
  session(
    'urbantwin_mqtt_sessions',
    'Persistent MQTT sessions (cleanSession=0) with subscriptions',
    (s) => s.sessions,
  )
  session(
    'urbantwin_mqtt_session_queued_messages',
    'Messages queued or in flight for persistent sessions',
    (s) => s.queued,
  )
  session(
    'urbantwin_mqtt_session_dropped_total',
    'Messages not queued because a persistent session’s queue was full (MQTT_MAX_QUEUED)',
    (s) => s.dropped,
  )
  session('urbantwin_mqtt_retained_messages', 'Retained messages held by the broker', (s) => s.retained)
  session('urbantwin_mqtt_session_journal_bytes', 'Size of the session journal file', (s) => s.bytes)
  return { registry, storeWriteSeconds }
}
