import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseDeviceTopic } from '@urbantwin/model'
import { decidePublish, decideSubscribe, type Principal } from './policy.ts'

const device: Principal = { role: 'device', deviceId: 'c-1' }
const gateway: Principal = { role: 'gateway', username: 'simulator' }
const admin: Principal = { role: 'admin', username: 'ops' }
const tts: Principal = { role: 'bridge', username: 'tts-bridge', network: 'tts' }
const chirpstack: Principal = { role: 'bridge', username: 'cs-bridge', network: 'chirpstack' }
const anonymous: Principal = { role: 'anonymous' }
const writerKey: Principal = { role: 'apikey', keyId: 'k-writer', read: true, writeObservations: true }
const readerKey: Principal = { role: 'apikey', keyId: 'k-reader', read: true, writeObservations: false }
const deviceKey: Principal = { role: 'apikey', keyId: 'k-device', read: false, writeObservations: true }
const sta = 'v1.1/Datastreams(1)/Observations'

describe('publish policy', () => {
  it('lets a device publish only its own uplink', () => {
    expect(decidePublish(device, 'urbantwin/v1/devices/c-1/up')).toEqual({ ok: true })
    expect(decidePublish(device, 'urbantwin/v1/devices/c-2/up')).toEqual({
      ok: false,
      reason: 'device c-1 may not publish as c-2',
    })
    expect(decidePublish(device, 'v1.1/Datastreams(1)/Observations').ok).toBe(false)
  })
  it('lets a gateway publish any uplink, also in LoRaWAN envelopes, but nothing else', () => {
    expect(decidePublish(gateway, 'urbantwin/v1/devices/c-9/up').ok).toBe(true)
    expect(decidePublish(gateway, 'v3/awm@muenchen/devices/lds-1/up').ok).toBe(true)
    expect(decidePublish(gateway, 'application/1/device/70b3d57ed0051234/event/up').ok).toBe(true)
    expect(decidePublish(device, 'v3/awm@muenchen/devices/c-1/up')).toEqual({
      ok: false,
      reason: 'device c-1 may not publish network-server envelopes',
    })
    expect(decidePublish(gateway, 'city/anything').ok).toBe(false)
  })
  it('never lets anyone publish to $SYS, and never anonymous writes', () => {
    for (const who of [device, gateway, admin, anonymous]) expect(decidePublish(who, '$SYS/x').ok).toBe(false)
    fc.assert(fc.property(fc.string(), (t) => !decidePublish(anonymous, t).ok))
  })
})

describe('SensorThings topics (v1.1/…): who may create Observations', () => {
  it('lets admins, gateways and API keys with a write permission publish, nobody else', () => {
    for (const who of [admin, gateway, writerKey, deviceKey])
      expect(decidePublish(who, sta)).toEqual({ ok: true })
    expect(decidePublish(readerKey, sta)).toEqual({
      ok: false,
      reason: 'API key k-reader may not create Observations',
    })
    expect(decidePublish(device, 'v1.1/Observations')).toEqual({
      ok: false,
      reason: 'device c-1 may not publish on SensorThings topics',
    })
    expect(decidePublish(anonymous, sta).ok).toBe(false)
  })
  it('keeps API key logins to SensorThings topics', () => {
    expect(decidePublish(writerKey, 'urbantwin/v1/devices/c-1/up').ok).toBe(false)
    expect(decideSubscribe(writerKey, 'urbantwin/v1/devices/c-1/down').ok).toBe(false)
    expect(decideSubscribe(writerKey, '$SYS/#').ok).toBe(false)
  })
  it('closes SensorThings topics to anonymous readers when anonymous read is off', () => {
    const closed = { anonymousRead: false }
    expect(decideSubscribe(anonymous, sta, closed)).toEqual({
      ok: false,
      reason: 'anonymous read is off: log in to subscribe to SensorThings topics',
    })
    expect(decideSubscribe(deviceKey, sta, closed)).toEqual({
      ok: false,
      reason: 'API key k-device may not read',
    })
    for (const who of [readerKey, writerKey, device, gateway, admin])
      expect(decideSubscribe(who, sta, closed).ok).toBe(true)
    for (const who of [anonymous, deviceKey])
      expect(decideSubscribe(who, sta, { anonymousRead: true }).ok).toBe(true)
  })
})

describe('subscribe policy', () => {
  it('opens SensorThings topics to everyone and $SYS to admins only', () => {
    for (const who of [device, gateway, admin, anonymous]) {
      expect(decideSubscribe(who, 'v1.1/Datastreams(3)/Observations').ok).toBe(true)
    }
    expect(decideSubscribe(admin, '$SYS/#').ok).toBe(true)
    expect(decideSubscribe(gateway, '$SYS/#').ok).toBe(false)
    expect(decideSubscribe(anonymous, '#').ok).toBe(false)
  })
  it('lets a device read only its own downlink', () => {
    expect(decideSubscribe(device, 'urbantwin/v1/devices/c-1/down').ok).toBe(true)
    expect(decideSubscribe(device, 'urbantwin/v1/devices/+/up').ok).toBe(false)
    expect(decideSubscribe(anonymous, 'urbantwin/v1/devices/c-1/up').ok).toBe(false)
  })
})

describe("LoRaWAN bridges publish only their network server's uplinks", () => {
  it('keeps a TTS bridge to TTS envelopes and a ChirpStack bridge to ChirpStack events', () => {
    const ttsUp = 'v3/awm@muenchen/devices/lds-1/up'
    const csUp = 'application/1/device/70b3d57ed0051234/event/up'
    expect(decidePublish(tts, ttsUp)).toEqual({ ok: true })
    expect(decidePublish(chirpstack, csUp)).toEqual({ ok: true })
    expect(decidePublish(tts, csUp)).toEqual({
      ok: false,
      reason: 'tts bridge tts-bridge may not publish chirpstack uplinks',
    })
    expect(decidePublish(chirpstack, 'urbantwin/v1/devices/c-1/up').ok).toBe(false)
    expect(decidePublish(tts, 'v1.1/Observations').ok).toBe(false)
    expect(decidePublish(tts, 'city/anything').ok).toBe(false)
    expect(decideSubscribe(tts, 'v3/#').ok).toBe(false)
  })
})

describe('least privilege for the simulator (gateway)', () => {
  it("reads collection orders and downlinks, not other devices' uplinks", () => {
    expect(decideSubscribe(gateway, 'urbantwin/v1/collections/orders').ok).toBe(true)
    expect(decideSubscribe(gateway, 'urbantwin/v1/devices/+/down').ok).toBe(true)
    expect(decideSubscribe(gateway, 'urbantwin/v1/devices/+/up').ok).toBe(false)
    expect(decideSubscribe(gateway, 'urbantwin/#').ok).toBe(false)
  })
})

describe("MQTT_ALLOW_ANONYMOUS: a plain broker outside the platform's namespaces", () => {
  const open = { anonymousRead: true, allowAnonymous: true }
  it("lets anonymous clients publish and subscribe elsewhere, never in the platform's namespaces", () => {
    expect(decidePublish(anonymous, 'interop/test/1', open)).toEqual({ ok: true })
    expect(decideSubscribe(anonymous, 'interop/#', open)).toEqual({ ok: true })
    for (const topic of [
      'urbantwin/v1/devices/c-1/up',
      'urbantwin/v1/collections/orders',
      'v3/awm@muenchen/devices/lds-1/up',
      'application/1/device/70b3d57ed0051234/event/up',
      'v1.1/Observations',
      '$SYS/broker/uptime',
    ])
      expect(decidePublish(anonymous, topic, open).ok, topic).toBe(false)
    for (const filter of ['#', '+/v1/devices/c-1/up', 'urbantwin/#', 'v3/+/devices/+/up', '$SYS/#'])
      expect(decideSubscribe(anonymous, filter, open).ok, filter).toBe(false)
    // SensorThings topics stay read-only open data
    expect(decideSubscribe(anonymous, 'v1.1/Observations', open).ok).toBe(true)
  })
  it('is off by default', () => {
    expect(decidePublish(anonymous, 'interop/test/1')).toEqual({
      ok: false,
      reason: 'anonymous clients may not publish',
    })
    expect(decideSubscribe(anonymous, 'interop/#').ok).toBe(false)
  })
  it('never opens a topic that a device, bridge or gateway uplink would parse as (property)', () => {
    // real uplink topics of every format with arbitrary ids, and arbitrary topics
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,10}[a-z0-9]$/)
    const topic = fc.oneof(
      id.map((d) => `urbantwin/v1/devices/${d}/up`),
      fc.tuple(id, id, id).map(([a, t, d]) => `v3/${a}@${t}/devices/${d}/up`),
      fc
        .tuple(fc.nat(), fc.stringMatching(/^[0-9a-f]{16}$/))
        .map(([a, e]) => `application/${a}/device/${e}/event/up`),
      fc
        .array(fc.stringMatching(/^[a-z0-9@.$+#-]{0,12}$/), { minLength: 1, maxLength: 7 })
        .map((l) => l.join('/')),
    )
    let parsed = 0
    fc.assert(
      fc.property(topic, (t) => {
        if (parseDeviceTopic(t)) parsed++
        return !(decidePublish(anonymous, t, open).ok && parseDeviceTopic(t) !== null)
      }),
      { numRuns: 5000 },
    )
    expect(parsed).toBeGreaterThan(1000) // the property was tried on real uplink topics
  })
})
