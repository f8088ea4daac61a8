import type { MessagePort, Worker } from 'node:worker_threads'
import { ConflictError, LinkError, UnsupportedOperationError } from '@urbantwin/store'

/** One end of a thread boundary: a Worker, or `parentPort` inside it. */
export type Endpoint = Pick<MessagePort | Worker, 'postMessage' | 'on' | 'off'>

/** Async methods only: what can be called across threads (arguments and results are structured-cloned). */
type Service = Record<string, (...args: never[]) => Promise<unknown>>

type Call = { rpc: 'call'; id: number; service: string; method: string; args: unknown[] }
type Reply =
  | { rpc: 'reply'; id: number; ok: true; value: unknown }
  | { rpc: 'reply'; id: number; ok: false; error: { name: string; message: string } }

/** Errors that keep their class across the boundary, so that callers' `instanceof` checks still hold. */
const ERRORS: Record<string, new (message: string) => Error> = {
  ConflictError,
  LinkError,
  UnsupportedOperationError,
  TypeError,
  RangeError,
}

function revive(e: { name: string; message: string }): Error {
  const Known = ERRORS[e.name]
  if (Known) return new Known(e.message)
  const err = new Error(e.message)
  err.name = e.name
  return err
}

export type Rpc = {
  /** Answers calls to `name` from the other side with `impl`'s methods. */
  expose(name: string, impl: object): void
  /** A stand-in for the other side's service `name`: each method call is a message there and back. */
  remote<T extends object>(name: string): T
  /** Fails the calls still waiting (the other side has gone) and stops listening. */
  close(reason: Error): void
}

/**
 * Request/response calls between two threads over one endpoint. Both sides may expose services and call
 * the other's. Values cross by structured clone, so functions cannot be passed; errors keep their
 * name and message (and their class for the store's own errors, see ERRORS).
 */
export function createRpc(endpoint: Endpoint): Rpc {
  const services = new Map<string, Service>()
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  let closedWith: Error | null = null

  const answer = async (c: Call): Promise<Reply> => {
    const fn = services.get(c.service)?.[c.method]
    if (typeof fn !== 'function')
      return { rpc: 'reply', id: c.id, ok: false, error: { name: 'TypeError', message: `no ${c.service}.${c.method}` } }
    try {
      const value = await (fn as (...a: unknown[]) => Promise<unknown>).apply(services.get(c.service), c.args)
      return { rpc: 'reply', id: c.id, ok: true, value }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      return { rpc: 'reply', id: c.id, ok: false, error: { name: e.name, message: e.message } }
    }
  }

  const onMessage = (m: unknown) => {
    const msg = m as Call | Reply | { rpc?: undefined }
    if (msg.rpc === 'call') {
      void answer(msg).then((r) => {
        try {
          endpoint.postMessage(r)
        } catch (err) {
          // a result that cannot be cloned: the caller gets the reason instead of waiting forever
          const message = err instanceof Error ? err.message : String(err)
          endpoint.postMessage({ rpc: 'reply', id: r.id, ok: false, error: { name: 'DataCloneError', message } })
        }
      })
    } else if (msg.rpc === 'reply') {
      const w = waiting.get(msg.id)
      if (!w) return
      waiting.delete(msg.id)
      if (msg.ok) w.resolve(msg.value)
      else w.reject(revive(msg.error))
    }
  }
  endpoint.on('message', onMessage)

  const call = (service: string, method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closedWith) return reject(closedWith)
      const id = next++
      waiting.set(id, { resolve, reject })
      try {
        endpoint.postMessage({ rpc: 'call', id, service, method, args } satisfies Call)
      } catch (err) {
        waiting.delete(id)
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    })

  return {
    expose: (name, impl) => services.set(name, impl as Service),
    remote: <T extends object>(name: string) =>
      new Proxy({} as T, {
        get: (_t, method) =>
          // `then` stays undefined: the stand-in is not a promise when awaited
          typeof method === 'string' && method !== 'then'
            ? (...args: unknown[]) => call(name, method, args)
            : undefined,
      }),
    close: (reason) => {
      closedWith = reason
      endpoint.off('message', onMessage)
      for (const w of waiting.values()) w.reject(reason)
      waiting.clear()
    },
  }
}
