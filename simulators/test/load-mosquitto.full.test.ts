import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MOSQUITTO_MISSING,
  countLossAndDuplicates,
  mosquittoAvailable,
  runLoad,
  startMosquitto,
  subscribeAndCount,
  type Mosquitto,
} from '../src/load/index.ts'

// Needs Debian's mosquitto (CI installs it); fails with the install command when it is missing.
describe('load mode against Debian mosquitto', () => {
  let broker: Mosquitto | undefined
  beforeAll(async () => {
    if (!mosquittoAvailable()) throw new Error(MOSQUITTO_MISSING)
    broker = await startMosquitto({ extraConfig: ['max_queued_messages 100000'] })
  })
  afterAll(async () => {
    await broker?.stop()
  })

  it('publishes 5,000 QoS 1 messages from 500 devices over 50 connections with no loss or duplicates', async () => {
    const sub = await subscribeAndCount(broker!.url, 'urbantwin/v1/devices/+/up', { qos: 1 })
    try {
      const report = await runLoad({
        url: broker!.url,
        devices: 500,
        connections: 50,
        qos: 1,
        messages: 5000,
      })
      expect(report).toMatchObject({ connected: 50, sent: 5000, acked: 5000, unacked: 0, errors: 0 })
      expect(await sub.waitFor(5000, 20_000)).toBe(true)
      expect(countLossAndDuplicates(sub.received, report.lastSeq)).toMatchObject({
        expected: 5000,
        lost: 0,
        duplicates: 0,
        unexpected: 0,
      })
    } finally {
      await sub.close()
    }
  })

  it('QoS 2 and QoS 0 complete (QoS 0 ends when mosquitto has read every stream)', async () => {
    const q2 = await runLoad({ url: broker!.url, devices: 20, qos: 2, messages: 1000 })
    expect(q2).toMatchObject({ sent: 1000, acked: 1000, unacked: 0 })
    const q0 = await runLoad({ url: broker!.url, devices: 20, connections: 2, qos: 0, messages: 20_000 })
    expect(q0).toMatchObject({ sent: 20_000, errors: 0, stoppedBy: 'messages' })
    expect(q0.completeMs).toBeGreaterThanOrEqual(q0.publishMs)
  })
})
