import { Worker } from 'node:worker_threads'
import type { Logger, ObservationRecord } from '@urbantwin/model'
import type { RegistryChange, Store } from '@urbantwin/store'
import type { Config } from './config.ts'
import type { ForwardTarget } from './forward.ts'
import { createRpc } from './rpc.ts'

/** What the data thread is started with (structured-cloned into it). */
export type DataThreadInput = { entry: string; config: Config; dataDir: string }

/** What the main thread answers for the data thread's API. */
export type MainSide = {
  health(): Promise<Record<string, unknown>>
  metrics(): Promise<{ contentType: string; body: string }>
  /** A device was registered through the API: ingest drops what it cached about it. */
  forget(deviceId: string): Promise<void>
  /** Observations created through the API, for the MQTT feeds. */
  observationsCreated(created: readonly ObservationRecord[]): Promise<void>
  /** The registry changed (Store.watchRegistry), for the MQTT feeds. */
  entitiesChanged(changes: readonly RegistryChange[]): Promise<void>
  /** An MQTT login was revoked or got a new secret: the broker closes its connections; how many. */
  disconnect(username: string): Promise<number>
}

/** What the data thread does when the main thread asks. */
export type DataSide = {
  /** Serves the public HTTP port (API, viewer; `/flows` and `/mqtt` forwarded to `forward`); its port. */
  serve(opts: { mqttPort: number; forward: ForwardTarget }): Promise<number>
  closeHttp(): Promise<void>
  /** Stops compaction and closes the store; the thread then ends. */
  close(): Promise<void>
}

export type DataThread = {
  /** The store, owned by the data thread: every call is a message there and back. */
  store: Store
  control: DataSide
  /** Settles when the thread ends on its own (a crash), with the reason; never once `stop` was called. */
  failed: Promise<Error>
  stop(): Promise<void>
}

/**
 * Starts the data thread: the embedded store (DuckDB objects belong to the thread that opened them),
 * the API and the public HTTP port. Its event loop serves only reads, writes and HTTP, so MQTT parsing,
 * ingest decoding and Node-RED on the main thread do not hold up an API answer, and the two cores are
 * both used. Resolves once the store is open.
 */
export async function startDataThread(opts: {
  config: Config
  dataDir: string
  main: MainSide
  log: Logger
}): Promise<DataThread> {
  const input: DataThreadInput = {
    entry: new URL('./data-worker.ts', import.meta.url).href,
    config: opts.config,
    dataDir: opts.dataDir,
  }
  const worker = new Worker(new URL('./data-worker-boot.mjs', import.meta.url), { workerData: input })
  const rpc = createRpc(worker)
  rpc.expose('main', opts.main)
  let stopping = false
  let reportFailure: (e: Error) => void = () => {}
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve))
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as { ready?: boolean }).ready) {
        worker.off('message', onMessage)
        resolve()
      }
    }
    worker.on('message', onMessage)
    worker.once('error', reject)
    worker.once('exit', (code) =>
      reject(new Error(`the data thread ended (code ${code}) before it was ready`)),
    )
  })
  worker.on('error', (err) => {
    rpc.close(err)
    if (!stopping) reportFailure(err)
  })
  worker.on('exit', (code) => {
    const err = new Error(`the data thread ended (code ${code})`)
    rpc.close(err)
    if (!stopping) reportFailure(err)
  })
  await ready
  const control = rpc.remote<DataSide>('data')
  return {
    store: rpc.remote<Store>('store'),
    control,
    failed,
    stop: async () => {
      if (stopping) return ended
      stopping = true
      await control.close().catch((err: unknown) => opts.log.error({ err }, 'closing the data thread failed'))
      // it exits by itself once nothing is left; a thread that hangs is ended
      const late = setTimeout(() => void worker.terminate(), 10_000)
      await ended
      clearTimeout(late)
    },
  }
}
