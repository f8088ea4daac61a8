import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseDeviceTopic, parseUplinkTopic, uplinkTopic } from './topics.ts'

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

describe('device uplink topics of LoRaWAN network servers', () => {
  it.each([
    ['urbantwin/v1/devices/awm-1-1/up', { format: 'native', deviceId: 'awm-1-1' }],
    ['v3/awm-containers@muenchen/devices/lds-0042/up', { format: 'tts', deviceId: 'lds-0042' }],
    ['v3/awm@ttn/devices/eui-70b3d57ed0051234/up', { format: 'tts', deviceId: 'eui-70b3d57ed0051234' }],
    [
      'application/7f2f3c1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f/device/70B3D57ED0051234/event/up',
      { format: 'chirpstack', deviceId: '70b3d57ed0051234' },
    ],
  ])('parses %s', (topic, expected) => {
    expect(parseDeviceTopic(topic)).toEqual(expected)
  })

  it.each([
    'v3/app@tenant/devices/dev/join',
    'v3/app/devices/dev/up',
    'v3/App@tenant/devices/dev/up',
    'application/1/device/70b3d57ed00512/event/up',
    'application/1/device/70b3d57ed0051234/event/join',
    'application/1/device/70b3d57ed0051234/command/down',
  ])('ignores %s', (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull()
  })

  it('never throws (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        (t) => parseDeviceTopic(t) === null || typeof parseDeviceTopic(t)?.deviceId === 'string',
      ),
    )
  })
})
