import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseUplinkTopic, uplinkTopic } from './topics.ts'

describe('uplink topic urbantwin/v1/devices/{deviceId}/up', () => {
  it('round-trips a device id', () => {
    expect(parseUplinkTopic(uplinkTopic('awm-0042'))).toEqual({ deviceId: 'awm-0042' })
  })

  it.each([
    'urbantwin/v1/devices/+/up',
    'urbantwin/v1/devices/#',
    'urbantwin/v1/devices/a/b/up',
    'urbantwin/v1/devices//up',
    'urbantwin/v1/devices/a/down',
    '$SYS/broker/uptime',
    'v1.1/Datastreams(1)/Observations',
    `urbantwin/v1/devices/${'x'.repeat(65)}/up`,
  ])('rejects %s', (topic) => {
    expect(parseUplinkTopic(topic)).toBeNull()
  })

  it('never throws and only accepts what it can format back (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseUplinkTopic(`urbantwin/v1/devices/${s}/up`)
        return r === null || uplinkTopic(r.deviceId) === `urbantwin/v1/devices/${s}/up`
      }),
    )
  })
})
