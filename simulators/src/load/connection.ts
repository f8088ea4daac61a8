import net from 'node:net'
import { generate, parser, type Packet, type QoS } from 'mqtt-packet'

/**
 * One lean MQTT 3.1.1 publisher connection: a `net.Socket`, packets built and parsed by mqtt-packet,
 * and only the protocol driving here (CONNECT/CONNACK, PUBLISH + PUBACK for QoS 1,
 * PUBREC → PUBREL → PUBCOMP for QoS 2, PINGREQ). About half the memory of an mqtt.js client per
 * connection and no per-message promise or store. No reconnects: a lost connection is reported.
 */
export type ConnectionEvents = {
  /** A QoS 1/2 publish completed after `latencyMs`. */
  /** `tag` is what `publish` was given for this message, if anything. */
  onAck: (latencyMs: number, tag: number | undefined) => void
  /** Writable again with room in the in-flight window. */
  onReady: () => void
  /** The connection failed or closed after CONNACK (not called for connect failures). */
  onLost: (reason: string) => void
}

export type ConnectParams = {
  host: string
  port: number
  localAddress?: string
  clientId: string
  username?: string
  password?: string
  keepaliveSec: number
  timeoutMs: number
}

export type ConnectOutcome = { ok: true } | { ok: false; reason: string }

// MQTT-3.2.2.3: CONNACK return codes
const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
}

export class LeanConnection {
  private socket: net.Socket | null = null
  private readonly inflight = new Map<number, number>()
  /** Caller's tags of in-flight messages, kept only for publishes that carry one. */
  private readonly tags = new Map<number, number>()
  private nextId = 0
  private corked = false
  private blocked = false
  private open = false
  private flushWaiters: Array<() => void> = []
  lastWriteAt = 0

  constructor(
    private readonly window: number,
    private readonly events: ConnectionEvents,
  ) {}

  get inflightCount(): number {
    return this.inflight.size
  }

  /** Can take another publish now (socket not backpressured, window not full). */
  get ready(): boolean {
    return this.open && !this.blocked && this.inflight.size < this.window
  }

  connect(p: ConnectParams): Promise<ConnectOutcome> {
    return new Promise((resolve) => {
      let settled = false
      const finish = (o: ConnectOutcome) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (!o.ok) socket.destroy()
        resolve(o)
      }
      const timer = setTimeout(() => finish({ ok: false, reason: 'connect timeout' }), p.timeoutMs)
      const socket = net.connect({ host: p.host, port: p.port, localAddress: p.localAddress })
      socket.setNoDelay(true)
      this.socket = socket
      const packets = parser({ protocolVersion: 4 })
      packets.on('packet', (packet: Packet) => {
        if (packet.cmd === 'connack') {
          const code = packet.returnCode ?? 0
          if (code !== 0) return finish({ ok: false, reason: CONNACK_REASONS[code] ?? `connack ${code}` })
          this.open = true
          return finish({ ok: true })
        }
        this.onPacket(packet)
      })
      packets.on('error', (err: Error) => this.fail(`protocol error: ${err.message}`))
      socket.on('data', (chunk) => packets.parse(chunk))
      socket.on('drain', () => {
        this.blocked = false
        if (this.ready) this.events.onReady()
      })
      socket.on('error', (err: NodeJS.ErrnoException) =>
        settled ? this.fail(err.code ?? err.message) : finish({ ok: false, reason: err.code ?? err.message }),
      )
      socket.on('close', () => {
        if (!settled) finish({ ok: false, reason: 'closed before CONNACK' })
        else this.fail('closed by broker')
      })
      this.write(
        generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: p.clientId,
          clean: true,
          keepalive: p.keepaliveSec,
          ...(p.username !== undefined && { username: p.username }),
          ...(p.password !== undefined && { password: Buffer.from(p.password) }),
        }),
      )
    })
  }

  /** Writes one PUBLISH; the caller checks `ready` first. Returns the packet id (0 for QoS 0). */
  publish(topic: string, payload: string | Buffer, qos: QoS, now: number, tag?: number): number {
    let messageId = 0
    if (qos > 0) {
      do
        messageId = this.nextId = (this.nextId % 65_535) + 1 // MQTT-2.3.1-1: non-zero packet ids
      while (this.inflight.has(messageId))
      this.inflight.set(messageId, now)
      if (tag !== undefined) this.tags.set(messageId, tag)
    }
    this.write(generate({ cmd: 'publish', topic, payload, qos, messageId, dup: false, retain: false }))
    return messageId
  }

  /** PINGREQ when idle for half the keepalive (MQTT-3.1.2-23). */
  keepAlive(now: number, keepaliveSec: number): void {
    if (this.open && keepaliveSec > 0 && now - this.lastWriteAt > keepaliveSec * 500)
      this.write(generate({ cmd: 'pingreq' }))
  }

  /**
   * Resolves once the broker has read everything written so far: a PINGREQ is answered in order
   * after the packets before it. Used to end QoS 0 runs honestly (not just "in the socket buffer").
   */
  flush(): Promise<void> {
    if (!this.open) return Promise.resolve()
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve)
      this.write(generate({ cmd: 'pingreq' }))
    })
  }

  /** DISCONNECT (MQTT-3.14) and wait for the socket to close (destroyed after 2 s). */
  close(): Promise<void> {
    const socket = this.socket
    const wasOpen = this.open
    this.open = false
    this.releaseFlushWaiters()
    if (!socket || socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 2000)
      socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      if (wasOpen) socket.end(generate({ cmd: 'disconnect' }))
      else socket.destroy()
    })
  }

  private onPacket(packet: Packet): void {
    const now = performance.now()
    switch (packet.cmd) {
      case 'puback':
      case 'pubcomp':
        return this.complete(packet.messageId, now)
      case 'pubrec': // QoS 2, second step: release (MQTT-4.3.3)
        this.write(generate({ cmd: 'pubrel', messageId: packet.messageId }))
        return
      case 'pingresp':
        this.flushWaiters.shift()?.()
        return
      default:
        return // a publisher subscribes to nothing: other packets are ignored
    }
  }

  private complete(messageId: number | undefined, now: number): void {
    const sentAt = messageId === undefined ? undefined : this.inflight.get(messageId)
    if (sentAt === undefined) return // ack for an unknown id: ignore
    this.inflight.delete(messageId!)
    const tag = this.tags.get(messageId!)
    if (tag !== undefined) this.tags.delete(messageId!)
    this.events.onAck(now - sentAt, tag)
    if (this.ready) this.events.onReady()
  }

  private write(buf: Buffer): void {
    const socket = this.socket!
    if (!this.corked) {
      // batch all writes of this tick into one syscall
      this.corked = true
      socket.cork()
      process.nextTick(() => {
        this.corked = false
        socket.uncork()
      })
    }
    this.lastWriteAt = performance.now()
    if (!socket.write(buf)) this.blocked = true
  }

  private fail(reason: string): void {
    if (!this.open) return
    this.open = false
    this.socket?.destroy()
    this.releaseFlushWaiters()
    this.events.onLost(reason)
  }

  private releaseFlushWaiters(): void {
    for (const w of this.flushWaiters.splice(0)) w()
  }
}
