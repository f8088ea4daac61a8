import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decidePublish, decideSubscribe, type Principal } from './policy.ts'

const device: Principal = { role: 'device', deviceId: 'c-1' }
const gateway: Principal = { role: 'gateway', username: 'simulator' }
const admin: Principal = { role: 'admin', username: 'ops' }
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
