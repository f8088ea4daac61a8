import mqtt from 'mqtt'
import { parseLoadPayload } from './payload.ts'
import type { Received } from './loss.ts'

/** Collects `{device, seq}` from load payloads on a topic filter (mqtt.js, one connection). */
export type SequenceSubscriber = {
  readonly received: readonly Received[]
  /** Payloads that were not load payloads. */
  invalid(): number
  /** Resolves true once `count` messages arrived, false after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

export type SubscribeOptions = {
  qos?: 0 | 1 | 2
  username?: string
  password?: string
  clientId?: string
  parse?: (payload: Uint8Array) => Received | null
}

export async function subscribeAndCount(
  url: string,
  topicFilter: string,
  opts: SubscribeOptions = {},
): Promise<SequenceSubscriber> {
  const parse = opts.parse ?? parseLoadPayload
  const received: Received[] = []
  let invalid = 0
  const waiters = new Set<{ count: number; resolve: (ok: boolean) => void }>()
  const client = await mqtt.connectAsync(url, {
    clientId: opts.clientId ?? `urbantwin-load-sub-${process.pid}-${Date.now().toString(36)}`,
    username: opts.username,
    password: opts.password,
    reconnectPeriod: 0,
    clean: true,
  })
  client.on('message', (_topic, payload) => {
    const r = parse(payload)
    if (!r) {
      invalid++
      return
    }
    received.push({ device: r.device, seq: r.seq })
    for (const w of waiters) if (received.length >= w.count) w.resolve(true)
  })
  await client.subscribeAsync(topicFilter, { qos: opts.qos ?? 1 })
  return {
    received,
    invalid: () => invalid,
    waitFor: (count, timeoutMs) =>
      new Promise((resolve) => {
        if (received.length >= count) return resolve(true)
        const w = {
          count,
          resolve: (ok: boolean) => {
            clearTimeout(timer)
            waiters.delete(w)
            resolve(ok)
          },
        }
        const timer = setTimeout(() => w.resolve(false), timeoutMs)
        waiters.add(w)
      }),
    close: async () => {
      for (const w of waiters) w.resolve(false)
      await client.endAsync()
    },
  }
}
