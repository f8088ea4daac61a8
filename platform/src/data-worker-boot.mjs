// Entry of the data thread (see data-thread.ts). Node 20 loads a worker's first module before any
// --import hook, so the TypeScript loader is registered here, then the real entry is imported.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)
