/**
 * Which topics (of one extension) are subscribed to, and by how many clients: kept from the broker's
 * subscribe, unsubscribe and disconnect events, so that an extension serialises messages only for
 * topics somebody reads. Clients are compared by identity (a client id can reconnect as a new client).
 */
export type SubscriptionTracker = {
  add(client: object, topic: string): void
  remove(client: object, topic: string): void
  /** The client is gone: all its subscriptions end. */
  drop(client: object): void
  /** The subscribed topics; the same Set object until the next change. */
  topics(): ReadonlySet<string>
}

export function createSubscriptionTracker(): SubscriptionTracker {
  const byClient = new Map<object, Set<string>>()
  const counts = new Map<string, number>()
  let snapshot: ReadonlySet<string> | null = null

  const release = (topic: string) => {
    const n = (counts.get(topic) ?? 0) - 1
    if (n > 0) counts.set(topic, n)
    else counts.delete(topic)
    if (n <= 0) snapshot = null
  }

  return {
    add(client, topic) {
      let mine = byClient.get(client)
      if (!mine) byClient.set(client, (mine = new Set()))
      if (mine.has(topic)) return
      mine.add(topic)
      const n = (counts.get(topic) ?? 0) + 1
      counts.set(topic, n)
      if (n === 1) snapshot = null
    },
    remove(client, topic) {
      const mine = byClient.get(client)
      if (!mine?.delete(topic)) return
      if (mine.size === 0) byClient.delete(client)
      release(topic)
    },
    drop(client) {
      const mine = byClient.get(client)
      if (!mine) return
      byClient.delete(client)
      for (const topic of mine) release(topic)
    },
    topics: () => (snapshot ??= new Set(counts.keys())),
  }
}
