/**
 * Persistent sessions across a restart of a single broker (no Redis): the session journal is reopened by a
 * new broker, as after `npm start` again. What a client sees: its session, its queue, its in-flight
 * messages, and the retained messages.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startBroker, type TestBroker } from './harness.ts'
import { waitFor } from './wait-for.ts'

describe('persistent sessions survive a broker restart (journal on disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ut-broker-sessions-'))
  const running: TestBroker[] = []
  afterAll(async () => {
    for (const b of running) await b.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async (path: string) => {
    const b = await startBroker({ sessionsPath: path })
    running.push(b)
    return b
  }
  const stop = async (b: TestBroker) => {
    running.splice(running.indexOf(b), 1)
    await b.close()
  }

  it('resumes the session: subscriptions, queued QoS 1 and 2 messages in order, retained messages', async () => {
    const path = join(dir, 'a.journal')
    const a = await start(path)
    const sub = await a.connect({ clientId: 'planner', clean: false })
    expect(sub.connack.sessionPresent).toBe(false)
    await sub.client.subscribeAsync('city/+/fill', { qos: 2 })
    await sub.client.endAsync()
    await waitFor(() => (a.online('planner') ? undefined : true), 'the subscriber to go offline')
    const pub = await a.connect()
    for (const i of [0, 1, 2]) await pub.client.publishAsync(`city/c${i}/fill`, `m${i}`, { qos: 1 })
    await pub.client.publishAsync('city/q2/fill', 'exactly once', { qos: 2 })
    await pub.client.publishAsync('city/status', 'up', { qos: 1, retain: true })
    await stop(a)

    const b = await start(path)
    const again = await b.connect({ clientId: 'planner', clean: false })
    expect(again.connack.sessionPresent).toBe(true) // MQTT-3.2.2-2, after the restart
    // MQTT-4.6.0-6: one client's QoS 1 messages in the order they were published (mqtt.js reports a QoS 2
    // message only after its PUBREL, so that one is checked apart)
    const q2 = await again.received('city/q2/fill')
    expect([String(q2.payload), q2.qos]).toEqual(['exactly once', 2])
    await waitFor(() => (again.messages.length >= 4 ? true : undefined), 'the four queued messages')
    expect(again.messages.filter((m) => m.qos === 1).map((m) => [m.topic, String(m.payload)])).toEqual([
      ['city/c0/fill', 'm0'],
      ['city/c1/fill', 'm1'],
      ['city/c2/fill', 'm2'],
    ])
    // the subscription itself came back: a new message arrives without a SUBSCRIBE
    const pub2 = await b.connect()
    await pub2.client.publishAsync('city/c9/fill', 'live', { qos: 1 })
    expect(String((await again.received('city/c9/fill')).payload)).toBe('live')
    const late = await b.connect()
    await late.client.subscribeAsync('city/status', { qos: 1 })
    const retained = await late.received('city/status')
    expect([String(retained.payload), retained.retain]).toEqual(['up', true])
    await stop(b)
  })

  it('re-sends a QoS 1 message that was in flight at the restart with its packet identifier and DUP=1', async () => {
    const path = join(dir, 'b.journal')
    const a = await start(path)
    const { raw } = await a.raw({ clientId: 'slow', clean: false })
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rs/t', qos: 1 }] })
    expect((await raw.next('suback')).granted).toEqual([1])
    const pub = await a.connect()
    await pub.client.publishAsync('rs/t', 'in flight', { qos: 1 })
    const first = await raw.next('publish')
    expect(first.dup).toBe(false)
    raw.destroy() // no PUBACK
    await stop(a)

    const b = await start(path)
    const { raw: again, connack } = await b.raw({ clientId: 'slow', clean: false })
    expect(connack.sessionPresent).toBe(true)
    const resent = await again.next('publish')
    expect([resent.messageId, String(resent.payload), resent.qos, resent.dup]).toEqual([
      first.messageId,
      'in flight',
      1,
      true, // MQTT-3.3.1-1
    ])
    again.send({ cmd: 'puback', messageId: resent.messageId })
    again.send({ cmd: 'pingreq' })
    await again.next('pingresp') // the broker read the PUBACK before the PINGREQ
    await stop(b)

    // acknowledged: a third start has nothing left to send
    const c = await start(path)
    const last = await c.connect({ clientId: 'slow', clean: false })
    expect(last.connack.sessionPresent).toBe(true)
    const pub3 = await c.connect()
    await pub3.client.publishAsync('rs/t', 'next', { qos: 1 })
    await last.received('rs/t')
    expect(last.messages.map((m) => String(m.payload))).toEqual(['next'])
  })

  it('forgets the session when the client comes back with cleanSession=true, also after a restart', async () => {
    const path = join(dir, 'c.journal')
    const a = await start(path)
    const sub = await a.connect({ clientId: 'tidy', clean: false })
    await sub.client.subscribeAsync('t/#', { qos: 1 })
    await sub.client.endAsync()
    await waitFor(() => (a.online('tidy') ? undefined : true), 'the subscriber to go offline')
    const clean = await a.connect({ clientId: 'tidy', clean: true })
    await clean.client.endAsync()
    await stop(a)
    const b = await start(path)
    const again = await b.connect({ clientId: 'tidy', clean: false })
    expect(again.connack.sessionPresent).toBe(false) // MQTT-3.2.2-1
  })
})
