import { createRequire } from 'node:module'
import { Readable } from 'node:stream'

const require = createRequire(import.meta.url)

/** A PUBLISH (or PUBREL) as aedes hands it to its persistence (aedes-packet's fields). */
export type StoredPacket = {
  cmd: string
  topic: string
  payload: Buffer | string
  qos: number
  retain: boolean
  dup?: boolean
  messageId?: number
  brokerId?: string
  brokerCounter?: number
  clientId?: string
  [field: string]: unknown
}
/** One filter of a persistent session (MQTT 5 fields kept as aedes gives them). */
export type StoredSubscription = {
  topic: string
  qos: number
  rh?: number
  rap?: boolean
  nl?: boolean
  subscriptionIdentifier?: number
}

/**
 * One change of the session state. Every change goes through {@link SessionState.apply}, live and when the
 * journal is replayed, so the replayed state is the state that was journalled.
 */
export type SessionRecord =
  | { op: 'retain'; packet: StoredPacket }
  | { op: 'subscribe'; clientId: string; subs: StoredSubscription[] }
  | { op: 'unsubscribe'; clientId: string; topics: string[] }
  | { op: 'clean-subscriptions'; clientId: string }
  | { op: 'enqueue'; clientIds: string[]; packet: StoredPacket }
  | { op: 'update'; clientId: string; packet: StoredPacket }
  /** By messageId; a packet not sent yet (no messageId) by its brokerId and brokerCounter. */
  | { op: 'clear'; clientId: string; messageId?: number; brokerId?: string; brokerCounter?: number }
  | { op: 'incoming'; clientId: string; packet: StoredPacket }
  | { op: 'incoming-delete'; clientId: string; messageId: number }
  | { op: 'clean-incoming'; clientId: string }
  | { op: 'will'; clientId: string; packet: StoredPacket }
  | { op: 'will-delete'; clientId: string }

type Client = { id: string }
type Trie = {
  add(topic: string, value: object): void
  remove(topic: string, value: object): void
  match(topic: string): { clientId: string; topic: string; qos: number }[]
  subscriptionsCount: number
}
type Matcher = { add(pattern: string): void; test(topic: string): boolean }
const QLOBBER = { wildcard_one: '+', wildcard_some: '#', separator: '/' }
/** aedes-persistence's subscription trie: topic → subscribed clients (only QoS > 0 is matched offline). */
const QlobberSub = require('qlobber/aedes/qlobber-sub') as new (opts: typeof QLOBBER) => Trie
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (opts: typeof QLOBBER) => Matcher }
const { Qlobber } = require('qlobber') as {
  Qlobber: new (opts: typeof QLOBBER) => {
    add(filter: string, value: { qos: number; wild: boolean }): void
    match(topic: string): { qos: number; wild: boolean }[]
  }
}
/** aedes' packet copy: keeps brokerId and brokerCounter, clears the messageId of QoS > 0. */
const Packet = require('aedes-packet') as new (packet: StoredPacket) => StoredPacket

/** What the broker could not queue for a client whose queue was full, since start. */
export type QueueStats = { queued: number; dropped: number }

/**
 * The broker's session state (aedes' async persistence interface): retained messages, the subscriptions of
 * persistent sessions, their queued and in-flight outgoing messages, QoS 2 packets awaiting PUBREL, and
 * wills. Kept in memory; `record` is called with every change after it was applied (the journal), and the
 * method resolves when `record` did.
 */
export class SessionState {
  readonly #retained = new Map<string, StoredPacket>()
  readonly #subscriptions = new Map<string, Map<string, StoredSubscription>>()
  readonly #trie = new QlobberSub(QLOBBER)
  readonly #outgoing = new Map<string, StoredPacket[]>()
  readonly #incoming = new Map<string, Map<number, StoredPacket>>()
  readonly #wills = new Map<string, StoredPacket>()
  readonly #record: (r: SessionRecord) => Promise<void>
  readonly #maxQueued: number
  #dropped = 0
  /** While the journal is replayed: drops were counted by the process that journalled them. */
  replaying = false
  /** The broker (aedes passes itself to setup; the abstract tests pass a stand-in). */
  broker: unknown

  constructor(opts: { record?: (r: SessionRecord) => Promise<void>; maxQueuedPerClient?: number } = {}) {
    this.#record = opts.record ?? (() => Promise.resolve())
    this.#maxQueued = opts.maxQueuedPerClient ?? Infinity
  }

  async setup(broker: { id: string }): Promise<void> {
    this.broker = broker
  }

  /** Applies one change (live, or replayed from the journal); what it returns depends on `op`. */
  apply(r: SessionRecord): unknown {
    switch (r.op) {
      case 'retain':
        if (r.packet.payload.length === 0) return this.#retained.delete(r.packet.topic)
        this.#retained.set(r.packet.topic, { ...r.packet })
        return true
      case 'subscribe':
        return this.#subscribe(r.clientId, r.subs)
      case 'unsubscribe':
        return this.#unsubscribe(r.clientId, r.topics)
      case 'clean-subscriptions':
        return this.#unsubscribe(r.clientId, [...(this.#subscriptions.get(r.clientId)?.keys() ?? [])])
      case 'enqueue': {
        let queued = 0
        for (const id of r.clientIds) {
          const queue = this.#outgoing.get(id) ?? []
          if (queue.length >= this.#maxQueued) continue
          this.#outgoing.set(id, queue)
          queue.push(new Packet(r.packet))
          queued++
        }
        if (!this.replaying) this.#dropped += r.clientIds.length - queued
        return queued
      }
      case 'update':
        return this.#update(r.clientId, r.packet)
      case 'clear': {
        const queue = this.#outgoing.get(r.clientId)
        const at =
          queue?.findIndex((p) =>
            r.messageId === undefined
              ? p.messageId === undefined && p.brokerId === r.brokerId && p.brokerCounter === r.brokerCounter
              : p.messageId === r.messageId,
          ) ?? -1
        if (!queue || at < 0) return undefined
        const [cleared] = queue.splice(at, 1)
        if (queue.length === 0) this.#outgoing.delete(r.clientId)
        return cleared
      }
      case 'incoming': {
        const held = this.#incoming.get(r.clientId) ?? new Map<number, StoredPacket>()
        this.#incoming.set(r.clientId, held)
        const copy = new Packet(r.packet)
        copy.messageId = r.packet.messageId
        held.set(r.packet.messageId ?? 0, copy)
        return true
      }
      case 'incoming-delete': {
        const held = this.#incoming.get(r.clientId)
        const deleted = held?.delete(r.messageId) ?? false
        if (held?.size === 0) this.#incoming.delete(r.clientId)
        return deleted
      }
      case 'clean-incoming':
        return this.#incoming.delete(r.clientId)
      case 'will':
        this.#wills.set(r.clientId, r.packet)
        return true
      case 'will-delete': {
        const will = this.#wills.get(r.clientId)
        this.#wills.delete(r.clientId)
        return will
      }
    }
  }

  /** The records that rebuild the present state from nothing (what compaction writes). */
  *snapshot(): Generator<SessionRecord> {
    for (const packet of this.#retained.values()) yield { op: 'retain', packet }
    for (const [clientId, subs] of this.#subscriptions)
      yield { op: 'subscribe', clientId, subs: [...subs.values()] }
    for (const [clientId, queue] of this.#outgoing)
      for (const packet of queue) {
        yield { op: 'enqueue', clientIds: [clientId], packet }
        if (packet.messageId !== undefined) yield { op: 'update', clientId, packet }
      }
    for (const [clientId, held] of this.#incoming)
      for (const packet of held.values()) yield { op: 'incoming', clientId, packet }
    for (const [clientId, packet] of this.#wills) yield { op: 'will', clientId, packet }
  }

  /** Persistent sessions, queued messages and retained messages held now; messages dropped since start. */
  counts(): { sessions: number; queued: number; retained: number; dropped: number } {
    let queued = 0
    for (const queue of this.#outgoing.values()) queued += queue.length
    return {
      sessions: this.#subscriptions.size,
      queued,
      retained: this.#retained.size,
      dropped: this.#dropped,
    }
  }

  #subscribe(clientId: string, subs: StoredSubscription[]): true {
    const stored = this.#subscriptions.get(clientId) ?? new Map<string, StoredSubscription>()
    this.#subscriptions.set(clientId, stored)
    for (const sub of subs) {
      const { topic, qos, rh, rap, nl } = sub
      const previous = stored.get(topic)
      // only QoS > 0 filters are matched for offline queueing; a QoS 0 one replaces a QoS > 0 one
      if (qos > 0) this.#trie.add(topic, { clientId, topic, qos, rh, rap, nl })
      else if (previous && previous.qos > 0) this.#trie.remove(topic, { clientId, topic })
      stored.set(topic, { ...sub })
    }
    return true
  }

  #unsubscribe(clientId: string, topics: string[]): boolean {
    const stored = this.#subscriptions.get(clientId)
    if (!stored) return false
    for (const topic of topics) {
      const sub = stored.get(topic)
      if (!sub) continue
      if (sub.qos > 0) this.#trie.remove(topic, { clientId, topic })
      stored.delete(topic)
    }
    if (stored.size === 0) this.#subscriptions.delete(clientId)
    return true
  }

  /** Gives a queued packet its messageId (or replaces the packet that had this messageId, e.g. by a PUBREL). */
  #update(clientId: string, packet: StoredPacket): boolean {
    const queue = this.#outgoing.get(clientId) ?? []
    for (let i = 0; i < queue.length; i++) {
      const queued = queue[i]!
      if (queued.brokerId === packet.brokerId) {
        if (queued.brokerCounter === packet.brokerCounter) {
          queued.messageId = packet.messageId
          return true
        }
        // messageIds wrap at 65535: a different counter with the same id is an older packet, look further
      } else if (queued.messageId === packet.messageId) {
        queue[i] = { ...packet } // the journal holds this packet as it is now
        return true
      }
    }
    return false
  }

  // ------------------------------------------------------------------ aedes' persistence interface

  async storeRetained(packet: StoredPacket): Promise<void> {
    await this.#change({ op: 'retain', packet })
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    const retained = this.#retained
    return Readable.from(
      (function* () {
        for (const pattern of patterns) {
          const matcher = new QlobberTrue(QLOBBER)
          matcher.add(pattern)
          for (const [topic, packet] of retained) if (matcher.test(topic)) yield packet
        }
      })(),
    )
  }

  async addSubscriptions(client: Client, subs: StoredSubscription[]): Promise<void> {
    await this.#change({
      op: 'subscribe',
      clientId: client.id,
      subs: subs.map(({ topic, qos, rh, rap, nl, subscriptionIdentifier }) => ({
        topic,
        qos,
        rh,
        rap,
        nl,
        ...(subscriptionIdentifier === undefined ? {} : { subscriptionIdentifier }),
      })),
    })
  }

  async removeSubscriptions(client: Client, topics: string[]): Promise<void> {
    if (!this.#subscriptions.has(client.id)) return
    await this.#change({ op: 'unsubscribe', clientId: client.id, topics })
  }

  async subscriptionsByClient(client: Client): Promise<StoredSubscription[]> {
    return [...(this.#subscriptions.get(client.id)?.values() ?? [])].map((s) => ({ ...s }))
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return { subsCount: this.#trie.subscriptionsCount, clientsCount: this.#subscriptions.size }
  }

  async subscriptionsByTopic(topic: string): Promise<{ clientId: string; topic: string; qos: number }[]> {
    return this.#trie.match(topic)
  }

  async cleanSubscriptions(client: Client): Promise<void> {
    if (!this.#subscriptions.has(client.id)) return
    await this.#change({ op: 'clean-subscriptions', clientId: client.id })
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet)
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void> {
    if (subs.length === 0) return
    await this.#change({ op: 'enqueue', clientIds: subs.map((s) => s.clientId), packet })
  }

  async outgoingUpdate(client: Client, packet: StoredPacket): Promise<void> {
    const r: SessionRecord = { op: 'update', clientId: client.id, packet }
    if (!this.apply(r)) throw new Error('no such packet')
    await this.#record(r)
  }

  async outgoingClearMessageId(client: Client, packet: StoredPacket): Promise<StoredPacket | undefined> {
    const { messageId, brokerId, brokerCounter } = packet
    // aedes clears a packet it will not forward (authorizeForward) before it was given a messageId
    const r: SessionRecord =
      messageId === undefined || messageId === null
        ? { op: 'clear', clientId: client.id, brokerId, brokerCounter }
        : { op: 'clear', clientId: client.id, messageId }
    const cleared = this.apply(r) as StoredPacket | undefined
    if (cleared) await this.#record(r)
    return cleared
  }

  outgoingStream(client: Client): Readable {
    return Readable.from([...(this.#outgoing.get(client.id) ?? [])]) // a copy: the queue changes while it is sent
  }

  async incomingStorePacket(client: Client, packet: StoredPacket): Promise<void> {
    await this.#change({ op: 'incoming', clientId: client.id, packet })
  }

  async incomingGetPacket(client: Client, packet: { messageId?: number }): Promise<StoredPacket> {
    const held = this.#incoming.get(client.id)?.get(packet.messageId ?? 0)
    if (!held) throw new Error('no such packet')
    return held
  }

  async incomingDelPacket(client: Client, packet: { messageId?: number }): Promise<void> {
    const r: SessionRecord = { op: 'incoming-delete', clientId: client.id, messageId: packet.messageId ?? 0 }
    if (!this.apply(r)) throw new Error('no such packet')
    await this.#record(r)
  }

  async cleanIncoming(client: Client): Promise<void> {
    if (!this.#incoming.has(client.id)) return
    await this.#change({ op: 'clean-incoming', clientId: client.id })
  }

  async putWill(client: Client, packet: StoredPacket): Promise<void> {
    packet.brokerId = (this.broker as { id: string }).id
    packet.clientId = client.id
    await this.#change({ op: 'will', clientId: client.id, packet })
  }

  async getWill(client: Client): Promise<StoredPacket | undefined> {
    return this.#wills.get(client.id)
  }

  async delWill(client: Client): Promise<StoredPacket | undefined> {
    const will = this.#wills.get(client.id)
    if (will) await this.#change({ op: 'will-delete', clientId: client.id })
    return will
  }

  /** Wills of clients whose broker is not among `brokers` (alive ones), to publish them. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from([...this.#wills.values()].filter((w) => !brokers[w.brokerId ?? '']))
  }

  getClientList(topic: string): Readable {
    const ids: string[] = []
    for (const [clientId, subs] of this.#subscriptions) if (subs.has(topic)) ids.push(clientId)
    return Readable.from(ids)
  }

  async destroy(): Promise<void> {}

  /** Applies a change and hands it to the journal. */
  async #change(r: SessionRecord): Promise<void> {
    this.apply(r)
    await this.#record(r)
  }
}

/** What an aedes client holds of its subscriptions: filter → what was granted. */
type Subscribed = { id: string; subscriptions?: Record<string, { qos?: number }> }

/**
 * The highest QoS a client was granted among its subscriptions that match a topic, or undefined when none
 * does. Filters starting with a wildcard match no `$` topic (MQTT-4.7.2-1).
 */
function grantedTo(client: Subscribed): (topic: string) => number | undefined {
  const filters = new Qlobber(QLOBBER)
  for (const [filter, s] of Object.entries(client.subscriptions ?? {}))
    filters.add(filter, { qos: s.qos ?? 0, wild: filter.startsWith('+') || filter.startsWith('#') })
  return (topic) => {
    let max: number | undefined
    for (const f of filters.match(topic))
      if (!(f.wild && topic.startsWith('$'))) max = Math.max(max ?? 0, f.qos)
    return max
  }
}

/**
 * Two places where aedes 1.2.0 and its persistences bend MQTT 3.1.1 for a resumed session's queue, mended
 * around any persistence as it is streamed:
 * - aedes re-sends the queue as its persistence streams it, and persistences keep a packet with the DUP=0 it
 *   was first sent with. A PUBLISH that was sent before (it has its packet identifier) is marked DUP=1, as
 *   MQTT-3.3.1-1 asks.
 * - aedes queues a message for an offline session at the message's QoS, and sends it so. It is sent at most
 *   at the highest QoS granted to the client's subscriptions matching its topic (MQTT-3.8.4-6,
 *   MQTT-3.3.5-1): aedes restored them before it streams the queue (lib/handlers/connect.js).
 */
export function conformantQueues<P extends { outgoingStream(client: Subscribed): unknown }>(
  persistence: P,
): P {
  async function* mended(client: Subscribed, queue: AsyncIterable<StoredPacket>) {
    const granted = grantedTo(client)
    for await (const p of queue) {
      if (p.cmd !== 'publish') {
        yield p
        continue
      }
      const qos = Math.min(p.qos, granted(p.topic) ?? p.qos)
      yield p.messageId || qos !== p.qos ? { ...p, qos, dup: Boolean(p.messageId) || p.dup } : p
    }
  }
  return new Proxy(persistence, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      // bound to the instance: persistences keep their state in private fields
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (prop !== 'outgoingStream') return method
      return (client: Subscribed) =>
        Readable.from(mended(client, method(client) as AsyncIterable<StoredPacket>))
    },
  })
}
