import { mkdtempSync, rmSync } from 'node:fs'
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger, type Inbound } from '@urbantwin/model'
import { openWal, type MqttAccount, type Wal } from '@urbantwin/store'
import { createBroker, hashSecret, type Broker, type BrokerDeps } from '../src/index.ts'
import { RawClient } from './raw-client.ts'
import { waitFor } from './wait-for.ts'

/** One broker per test, with the limits under test set low; real aedes, WAL and mqtt.js on loopback. */
type Rig = { broker: Broker; port: number; uplinks: Inbound[]; warnings: Array<Record<string, unknown>> }

const accounts = new Map<string, MqttAccount>()
const rigs: Array<{ broker: Broker; tcp: Server; wal: Wal; dir: string }> = []
const clients: MqttClient[] = []
const sockets: Socket[] = []

async function rig(deps: Partial<BrokerDeps> = {}): Promise<Rig> {
  if (accounts.size === 0)
    for (const [username, role, deviceId, network] of [
      ['c-1', 'device', 'c-1', null],
      ['ops', 'admin', null, null],
      ['tts-bridge', 'bridge', null, 'tts'],
    ] as const)
      accounts.set(username, {
        username,
        passwordHash: await hashSecret(`${username}-pw`),
        role,
        deviceId,
        network,
      })
  const dir = mkdtempSync(join(tmpdir(), 'ut-broker-limits-'))
  const wal = await openWal({ dir })
  const uplinks: Inbound[] = []
  const warnings: Array<Record<string, unknown>> = []
  const broker = await createBroker({
    log: { ...silentLogger, warn: (o) => warnings.push(o as Record<string, unknown>) },
    account: async (u) => accounts.get(u) ?? null,
    wal: {
      append: async (m) => {
        uplinks.push(m)
        return wal.append(m)
      },
    },
    ...deps,
  })
  const tcp = createServer(broker.handle)
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
  rigs.push({ broker, tcp, wal, dir })
  return { broker, port: (tcp.address() as AddressInfo).port, uplinks, warnings }
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  for (const { broker, tcp, wal, dir } of rigs.splice(0)) {
    await broker.close()
    await new Promise((r) => tcp.close(r))
    await wal.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

async function client(port: number, opts: IClientOptions = {}) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...opts,
  })
  clients.push(c)
  return c
}
const ops = { username: 'ops', password: 'ops-pw' }
/** The SUBACK return codes for `filters` (mqtt.js rejects a whole SUBSCRIBE when one is refused). */
function granted(c: MqttClient, filters: string | string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: Packet) => {
      if (p.cmd !== 'suback') return
      c.off('packetreceive', onPacket)
      resolve(p.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)))
    }
    c.on('packetreceive', onPacket)
    c.subscribe(filters, () => {})
  })
}
const closed = (c: MqttClient, what: string) => waitFor(() => (c.connected ? undefined : true), what)

/** A raw TCP connection, to send what mqtt.js would not; resolves when it is open. */
function raw(port: number): Promise<Socket & { ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = connectTcp(port, '127.0.0.1')
    sockets.push(s)
    const ended = new Promise<void>((r) => s.once('close', () => r()))
    s.on('error', () => {})
    s.once('connect', () => resolve(Object.assign(s, { ended })))
    s.once('error', reject)
  })
}

describe('broker limits: each refusal is counted by reason, and the broker serves on', () => {
  it('closes a connection whose packet is over the size limit, at its header', async () => {
    const { broker, port } = await rig({ limits: { maxPacketBytes: 1024 } })
    const big = await client(port, ops)
    await big.publishAsync('lab/small', 'x'.repeat(900), { qos: 1 })
    big.publish('lab/big', 'x'.repeat(2000), { qos: 1 })
    await closed(big, 'the client of the big packet to be disconnected')
    // a declared 256 MB packet before CONNECT: refused from 5 bytes, nothing buffered
    const s = await raw(port)
    s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))
    await s.ended
    expect(broker.stats().refused['packet-too-large']).toBe(2)
    const ok = await client(port, ops)
    await ok.publishAsync('lab/small', 'still serving', { qos: 1 })
  })

  it('refuses topics and filters over the length limit', async () => {
    const { broker, port } = await rig({ limits: { maxTopicBytes: 64 } })
    const c = await client(port, ops)
    expect(await granted(c, [`lab/${'a'.repeat(70)}`, 'lab/ok'])).toEqual([128, 0])
    // multi-byte characters count as their UTF-8 bytes: 30 × 'ü' is 60 bytes + 'lab/' = 64, one more is over
    expect(await granted(c, `lab/${'ü'.repeat(30)}`)).toEqual([0])
    expect(await granted(c, `lab/${'ü'.repeat(31)}`)).toEqual([128])
    c.publish(`lab/${'a'.repeat(70)}`, 'x', { qos: 1 })
    await closed(c, 'the publisher of a long topic to be disconnected')
    expect(broker.stats().refused['topic-too-long']).toBe(3)
  })

  it('holds at most maxConnections open, and takes new ones when others close', async () => {
    const { broker, port, warnings } = await rig({ limits: { maxConnections: 3 } })
    const three = await Promise.all([raw(port), raw(port), raw(port)])
    await waitFor(() => (broker.stats().connections === 3 ? true : undefined), 'three connections')
    const fourth = await raw(port)
    await fourth.ended
    expect(broker.stats().refused['max-connections']).toBe(1)
    expect(warnings).toContainEqual(expect.objectContaining({ refusal: 'max-connections', max: 3 }))
    three[0]!.destroy()
    await waitFor(() => (broker.stats().connections === 2 ? true : undefined), 'a slot to free up')
    await client(port, ops)
    expect(broker.stats().connections).toBe(3)
  })

  it('limits CONNECTs per address and minute (loopback exempt unless told otherwise)', async () => {
    const limited = await rig({ limits: { connectsPerIpPerMinute: 3, rateExempt: () => false } })
    for (let i = 0; i < 3; i++) await (await client(limited.port, ops)).endAsync()
    await expect(client(limited.port, { ...ops, connectTimeout: 500 })).rejects.toThrow()
    expect(limited.broker.stats().refused['connect-rate']).toBe(1)
    expect(limited.warnings).toContainEqual(
      expect.objectContaining({ refusal: 'connect-rate', address: '127.0.0.1' }),
    )
    // the default exempts this machine's own clients (the platform's simulator, a local proxy)
    const exempt = await rig({ limits: { connectsPerIpPerMinute: 3 } })
    for (let i = 0; i < 5; i++) await (await client(exempt.port, ops)).endAsync()
    expect(exempt.broker.stats().refused['connect-rate']).toBe(0)
  })

  it('grants at most maxSubscriptionsPerClient filters, and frees one on unsubscribe', async () => {
    const { broker, port } = await rig({ limits: { maxSubscriptionsPerClient: 2 } })
    const c = await client(port, ops)
    expect(await granted(c, ['lab/1', 'lab/2', 'lab/3'])).toEqual([0, 0, 128])
    // subscribing again to a held filter replaces it (MQTT-3.8.4-3): not a new one
    expect((await c.subscribeAsync('lab/1'))[0]?.qos).toBe(0)
    await c.unsubscribeAsync('lab/2')
    expect((await c.subscribeAsync('lab/3'))[0]?.qos).toBe(0)
    expect(broker.stats().refused['max-subscriptions']).toBe(1)
  })

  it('refuses a keepalive of 0 or over the bound with CONNACK 2, as mosquitto does', async () => {
    const { broker, port } = await rig({ limits: { maxKeepaliveSeconds: 60 } })
    await expect(client(port, { ...ops, keepalive: 0 })).rejects.toThrow(/Identifier rejected/i)
    await expect(client(port, { ...ops, keepalive: 61 })).rejects.toThrow(/Identifier rejected/i)
    await client(port, { ...ops, keepalive: 60 })
    expect(broker.stats().refused.keepalive).toBe(2)
    expect(broker.stats().refused.login).toBe(0)
  })

  it('disconnects a subscriber that stops reading, and the others get every message', async () => {
    // anonymous clients may use lab/… on a broker that allows them
    const { broker, port } = await rig({ allowAnonymous: true, limits: { drainTimeoutMs: 300 } })
    // the stuck subscriber: CONNECT + SUBSCRIBE on a raw socket, then it never reads again
    const { raw: stuck } = await RawClient.connect(port, { clientId: 'stuck' })
    sockets.push(stuck.socket)
    stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lab/#', qos: 0 }] })
    await stuck.next('suback')
    stuck.socket.pause()
    const healthy = await client(port, ops)
    await healthy.subscribeAsync('lab/#')
    let got = 0
    healthy.on('message', () => got++)
    const publisher = await client(port, ops)
    const payload = 'x'.repeat(64 * 1024)
    const n = 400 // 25 MB: far more than the socket buffers of the stuck subscriber hold
    for (let i = 0; i < n; i++) publisher.publish('lab/flood', payload, { qos: 0 })
    await waitFor(() => (got === n ? true : undefined), `all ${n} messages at the healthy subscriber`, 30_000)
    // (the paused socket itself sees its end only once it reads again)
    await waitFor(
      () => (broker.stats().refused['slow-subscriber'] === 1 ? true : undefined),
      'stuck one dropped',
    )
    expect(Object.keys((broker.aedes as unknown as { clients: object }).clients)).not.toContain('stuck')
  }, 40_000)

  it('disconnects every connection of a login at once when told (revoked or rotated)', async () => {
    const { broker, port } = await rig()
    const a = await client(port, { username: 'c-1', password: 'c-1-pw', clientId: 'c-1-a' })
    const b = await client(port, { username: 'c-1', password: 'c-1-pw', clientId: 'c-1-b' })
    const other = await client(port, ops)
    expect(broker.disconnect('c-1')).toBe(2)
    await closed(a, 'first connection of c-1 closed')
    await closed(b, 'second connection of c-1 closed')
    expect(other.connected).toBe(true)
    expect(broker.disconnect('c-1')).toBe(0)
  })

  it('with allowAnonymous, is a plain broker for anonymous clients outside the platform namespaces', async () => {
    const { broker, port, uplinks } = await rig({ allowAnonymous: true })
    const sub = await client(port)
    await sub.subscribeAsync('interop/#')
    const got = new Promise<string>((r) => sub.once('message', (_t, p) => r(p.toString())))
    const pub = await client(port)
    await pub.publishAsync('interop/hello', 'plain', { qos: 1 })
    expect(await got).toBe('plain')
    // still never a device's uplink
    pub.publish('urbantwin/v1/devices/c-1/up', '{"fillingLevel":1}', { qos: 1 })
    await closed(pub, 'anonymous uplink refused')
    expect(uplinks).toEqual([])
    expect(broker.stats().refused['acl-publish']).toBe(1)
  })

  it("lets a LoRaWAN bridge publish its network server's uplinks only", async () => {
    const { broker, port, uplinks } = await rig()
    const tts = await client(port, { username: 'tts-bridge', password: 'tts-bridge-pw' })
    await tts.publishAsync('v3/awm@muenchen/devices/lds-1/up', '{}', { qos: 1 })
    tts.publish('application/1/device/70b3d57ed0051234/event/up', '{}', { qos: 1 })
    await closed(tts, 'bridge publishing ChirpStack refused')
    expect(uplinks.map((u) => u.topic)).toEqual(['v3/awm@muenchen/devices/lds-1/up'])
    expect(broker.stats().received[1]).toBe(1)
    expect(broker.stats().refused['acl-publish']).toBe(1)
  })
})
