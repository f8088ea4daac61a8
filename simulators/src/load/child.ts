/**
 * Child process of `runLoadProcesses`: runs one share of a load run. Talks to the parent over the
 * IPC channel only (see processes.ts for the messages). Exits by itself after its result, or when the
 * parent goes away.
 */
import { openLoadFleet } from './load-fleet.ts'
import type { LoadHooks, LoadProgress, ResolvedSettings } from './options.ts'
import { publishLoad } from './run-load.ts'
import type { ChildMessage, ParentMessage } from './processes.ts'

const send = (m: ChildMessage) =>
  new Promise<void>((r) => (process.connected ? process.send!(m, () => r()) : r()))
const stop = new AbortController()
process.on('disconnect', () => stop.abort()) // the parent is gone: stop, disconnect, exit

async function run(settings: ResolvedSettings, hooksModule: string | undefined, go: Promise<void>) {
  const hooks: LoadHooks = hooksModule ? ((await import(hooksModule)) as LoadHooks) : {}
  const fleet = await openLoadFleet({
    ...settings,
    topic: hooks.topic,
    payload: hooks.payload,
    deviceId: hooks.deviceId,
    credentials: hooks.credentials,
    signal: stop.signal,
    onProgress: (progress: LoadProgress) => void send({ type: 'progress', progress }),
  })
  try {
    await send({ type: 'connected', connected: fleet.stats.connected })
    await Promise.race([go, new Promise((r) => stop.signal.addEventListener('abort', r))])
    const result = await publishLoad(fleet)
    await send({ type: 'result', result })
  } finally {
    await fleet.close()
  }
}

let go: () => void = () => {}
const started = new Promise<void>((r) => (go = r))
process.on('message', (m: ParentMessage) => {
  if (m.type === 'start')
    run(m.settings, m.hooksModule, started)
      .catch((err: Error) => send({ type: 'failed', message: err.stack ?? err.message }))
      .finally(() => process.connected && process.disconnect())
  else if (m.type === 'go') go()
  else if (m.type === 'stop') stop.abort()
})
