import { connect, type Socket } from 'node:net'
import { generate, parser, type IConnackPacket, type IConnectPacket, type Packet } from 'mqtt-packet'
import { connectPacket } from '../testing/packets.ts'
import { waitFor } from './wait-for.ts'

type PacketOf<C extends Packet['cmd']> = Extract<Packet, { cmd: C }>

/**
 * An MQTT 3.1.1 client on a bare TCP socket, for what mqtt.js will not do: withhold an
 * acknowledgement, stay silent past its keepalive, send a second CONNECT or bytes that are no packet.
 * Every packet the broker sends is kept in `packets`; `next` hands them out in order of arrival.
 */
export class RawClient {
  readonly packets: Packet[] = []
  /** Parse errors of what the broker sent (a conforming broker sends none). */
  readonly errors: Error[] = []
  closed = false
  private taken = 0
  private readonly listeners: ((p: Packet) => void)[] = []

  private constructor(readonly socket: Socket) {
    const p = parser({ protocolVersion: 4 })
    p.on('packet', (packet: Packet) => {
      this.packets.push(packet)
      for (const l of this.listeners) l(packet)
    })
    p.on('error', (err: Error) => this.errors.push(err))
    socket.on('data', (chunk: Buffer) => p.parse(chunk))
    socket.on('error', () => {}) // a reset by the broker shows as `closed`
    socket.on('close', () => (this.closed = true))
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ port, host: '127.0.0.1' })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    socket.setNoDelay(true)
    return new RawClient(socket)
  }

  /** Opens a socket and sends CONNECT (MQTT 3.1.1, clean session, keepalive 60 s unless told: the broker refuses 0); resolves with the CONNACK. */
  static async connect(
    port: number,
    connect: Partial<IConnectPacket>,
  ): Promise<{ raw: RawClient; connack: IConnackPacket }> {
    const raw = await RawClient.open(port)
    raw.send(connectPacket(connect))
    return { raw, connack: await raw.next('connack') }
  }

  /** Calls `listener` synchronously as each packet arrives. */
  onPacket(listener: (p: Packet) => void): void {
    this.listeners.push(listener)
  }

  send(packet: Packet): void {
    this.socket.write(generate(packet))
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /** The next packet not yet handed out; fails if a packet of another type comes first. */
  async next<C extends Packet['cmd']>(cmd: C, ms = 5000): Promise<PacketOf<C>> {
    const packet = await waitFor(
      () => this.packets[this.taken] ?? (this.closed ? null : undefined),
      `a ${cmd} packet`,
      ms,
    )
    if (packet === null) throw new Error(`connection closed while waiting for ${cmd}`)
    this.taken++
    if (packet.cmd !== cmd) throw new Error(`expected ${cmd}, got ${JSON.stringify(packet)}`)
    return packet as PacketOf<C>
  }

  /** Packets received and not yet handed out by `next`. */
  pending(): Packet[] {
    return this.packets.slice(this.taken)
  }

  async whenClosed(what: string, ms = 5000): Promise<void> {
    await waitFor(() => (this.closed ? true : undefined), what, ms)
  }

  destroy(): void {
    this.socket.destroy()
  }
}
