import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { Redis } from 'ioredis'
import type { AedesOptions } from 'aedes'

const require = createRequire(import.meta.url)

/** aedes-persistence-redis' async persistence (CommonJS, untyped): what the broker calls on it. */
type RedisPersistence = NonNullable<AedesOptions['persistence']> & { destroy(): Promise<void> }
type MQEmitter = NonNullable<AedesOptions['mq']>

/**
 * Several broker processes as one (`REDIS_URL`): subscriptions, retained messages, persistent sessions
 * and offline queues in Redis (aedes-persistence-redis), every PUBLISH fanned out to all nodes over
 * Redis pub/sub (mqemitter-redis). A single node with Redis keeps its sessions across restarts.
 */
export type Cluster = {
  persistence: RedisPersistence
  mq: MQEmitter
  /** Closes the persistence's connections (aedes closes the emitter itself). */
  close(): Promise<void>
}

/** Methods aedes 1.2 pipes (`stream.pipe`, lib/handlers/subscribe.js); the Redis persistence yields async iterables. */
const STREAMS = new Set<string | symbol>(['createRetainedStream', 'createRetainedStreamCombi'])

/** The persistence, its retained-message iterables as Readable streams; every other call as it is. */
function asAedesExpects(p: RedisPersistence): RedisPersistence {
  return new Proxy(p, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      // bound to the instance: its state is in private fields (#db)
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (!STREAMS.has(prop)) return method
      return (...args: unknown[]) => {
        const out = method(...args)
        return out instanceof Readable ? out : Readable.from(out as AsyncIterable<unknown>)
      }
    },
  })
}

export function redisCluster(redisUrl: string): Cluster {
  const AsyncRedisPersistence = require('aedes-persistence-redis/asyncPersistence.js') as new (opts: {
    conn: Redis
  }) => RedisPersistence
  const mqemitterRedis = require('mqemitter-redis') as (opts: { connectionString: string }) => MQEmitter
  const conn = new Redis(redisUrl)
  const persistence = asAedesExpects(new AsyncRedisPersistence({ conn }))
  return {
    persistence,
    mq: mqemitterRedis({ connectionString: redisUrl }),
    close: async () => {
      await persistence.destroy()
    },
  }
}
