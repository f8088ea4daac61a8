import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encodeUltrasonicFrame } from '../kinds/clothing-container/index.ts'
import { chirpstackUplinkEnvelope } from './chirpstack-envelope.ts'
import { parseChirpstackUplink } from './chirpstack-uplink.ts'
import { ttsUplinkEnvelope } from './tts-envelope.ts'
import { parseTtsUplink } from './tts-uplink.ts'
import type { UplinkEnvelopeInput } from './uplink.ts'

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

const frame = encodeUltrasonicFrame({
  batteryMv: 3400,
  distanceMm: 812,
  lidOpen: false,
  tiltAlarm: false,
  temperatureAlarm: false,
  emptied: false,
  temperatureC: 11.5,
  tiltDeg: 2,
})

const input: UplinkEnvelopeInput = {
  deviceId: 'clothing-container-017',
  devEui: '70B3D57ED0063A1F',
  applicationId: 'urbantwin-containers',
  tenantId: 'urbantwin',
  receivedAt: new Date('2026-11-23T08:00:00.918Z'),
  fPort: 2,
  fCnt: 42,
  frmPayload: frame,
  gateway: { id: 'rathaus-dach', rssi: -97, snr: 6.25 },
}

describe('uplink envelope encoders', () => {
  it('writes the frame the fixtures document', () => {
    expect(Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join('')).toBe('0d48032c00007302')
  })

  it('TTS: round-trips through parseTtsUplink', () => {
    expect(parseTtsUplink(bytes(ttsUplinkEnvelope(input)))).toStrictEqual({
      ok: true,
      value: {
        network: 'tts',
        deviceId: 'clothing-container-017',
        devEui: '70b3d57ed0063a1f',
        receivedAt: '2026-11-23T08:00:00.918Z',
        fPort: 2,
        fCnt: 42,
        frmPayload: frame,
        decoded: undefined,
      },
    })
  })

  it('TTS: writes the envelope shape of the docs, zero fields omitted', () => {
    const e = ttsUplinkEnvelope({ ...input, fCnt: 0, decoded: { distanceMm: 812 } })
    expect(e).toMatchObject({
      end_device_ids: {
        device_id: 'clothing-container-017',
        application_ids: { application_id: 'urbantwin-containers' },
        dev_eui: '70B3D57ED0063A1F',
      },
      received_at: '2026-11-23T08:00:00.918Z',
      uplink_message: {
        f_port: 2,
        frm_payload: 'DUgDLAAAcwI=',
        decoded_payload: { distanceMm: 812 },
        rx_metadata: [{ gateway_ids: { gateway_id: 'rathaus-dach' }, rssi: -97, snr: 6.25 }],
        settings: {
          data_rate: { lora: { bandwidth: 125_000, spreading_factor: 7 } },
          frequency: '868100000',
        },
        consumed_airtime: '0.056576s',
        network_ids: { tenant_id: 'urbantwin' },
      },
    })
    expect(e.uplink_message).not.toHaveProperty('f_cnt')
  })

  it('ChirpStack: round-trips through parseChirpstackUplink; the device id becomes the DevEUI', () => {
    const decoded = { distanceMm: 812, temperature: 11.5 }
    expect(parseChirpstackUplink(bytes(chirpstackUplinkEnvelope({ ...input, decoded })))).toStrictEqual({
      ok: true,
      value: {
        network: 'chirpstack',
        deviceId: '70b3d57ed0063a1f',
        devEui: '70b3d57ed0063a1f',
        receivedAt: '2026-11-23T08:00:00.918Z',
        fPort: 2,
        fCnt: 42,
        frmPayload: frame,
        decoded,
      },
    })
  })

  it('ChirpStack: writes the event shape of the docs, zero fields omitted', () => {
    const e = chirpstackUplinkEnvelope({ ...input, fCnt: 0, tenantId: undefined, gateway: undefined })
    expect(e).toMatchObject({
      deduplicationId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      time: '2026-11-23T08:00:00.918Z',
      deviceInfo: {
        tenantId: '52f14cd4-c6f1-4fbd-8f87-4025e1d49242',
        applicationId: 'urbantwin-containers',
        deviceName: 'clothing-container-017',
        devEui: '70b3d57ed0063a1f',
      },
      fPort: 2,
      data: 'DUgDLAAAcwI=',
      rxInfo: [{ gatewayId: '0016c001f153a14c', crcStatus: 'CRC_OK' }],
      txInfo: { frequency: 868_100_000, modulation: { lora: { spreadingFactor: 7, codeRate: 'CR_4_5' } } },
    })
    expect(e).not.toHaveProperty('fCnt')
    expect(e).not.toHaveProperty('object')
  })
})

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
const arbitraryInput: fc.Arbitrary<UplinkEnvelopeInput> = fc
  .record({
    deviceId: fc.stringMatching(/^[a-z0-9](?:-?[a-z0-9]){1,35}$/).filter((s) => s.length <= 36),
    devEui: fc
      .tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean())
      .map(([b, up]) => (up ? hex(b).toUpperCase() : hex(b))),
    applicationId: fc.uuid(),
    tenantId: fc.option(fc.stringMatching(/^[a-z0-9]{2,20}$/), { nil: undefined }),
    receivedAt: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    fPort: fc.integer({ min: 1, max: 223 }),
    fCnt: fc.nat({ max: 0xffff_ffff }),
    frmPayload: fc.option(fc.uint8Array({ minLength: 1, maxLength: 222 }), { nil: undefined }),
    decoded: fc.option(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), { nil: undefined }),
    gateway: fc.option(
      fc.record({
        id: fc.stringMatching(/^[a-z0-9]{2,16}$/),
        rssi: fc.integer({ min: -140, max: 0 }),
        snr: fc.double({ min: -20, max: 15, noNaN: true }),
      }),
      { nil: undefined },
    ),
  })
  .filter((x) => x.frmPayload !== undefined || x.decoded !== undefined)

describe('uplink envelopes (properties)', () => {
  it('every valid envelope parses back to its input', () => {
    fc.assert(
      fc.property(arbitraryInput, (x) => {
        const common = {
          devEui: x.devEui.toLowerCase(),
          receivedAt: x.receivedAt.toISOString(),
          fPort: x.fPort,
          fCnt: x.fCnt,
          frmPayload: x.frmPayload ?? null,
          decoded: x.decoded === undefined ? undefined : JSON.parse(JSON.stringify(x.decoded)),
        }
        expect(parseTtsUplink(bytes(ttsUplinkEnvelope(x)))).toStrictEqual({
          ok: true,
          value: { network: 'tts', deviceId: x.deviceId, ...common },
        })
        expect(parseChirpstackUplink(bytes(chirpstackUplinkEnvelope(x)))).toStrictEqual({
          ok: true,
          value: { network: 'chirpstack', deviceId: x.devEui.toLowerCase(), ...common },
        })
      }),
    )
  })

  const parsers = [
    ['TTS', parseTtsUplink],
    ['ChirpStack', parseChirpstackUplink],
  ] as const
  const wellFormed = (r: ReturnType<typeof parseTtsUplink>) =>
    r.ok ? r.value.deviceId.length > 0 && r.value.fPort !== null && r.value.fPort > 0 : r.reason.length > 0

  it.each(parsers)('%s: random bytes never throw', (_name, parse) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (b) => wellFormed(parse(b))))
  })

  it.each(parsers)('%s: random JSON never throws', (_name, parse) => {
    fc.assert(fc.property(fc.jsonValue(), (v) => wellFormed(parse(bytes(v)))))
  })

  const paths: Record<string, string[][]> = {
    TTS: [
      ['end_device_ids'],
      ['end_device_ids', 'device_id'],
      ['end_device_ids', 'dev_eui'],
      ['end_device_ids', 'application_ids'],
      ['received_at'],
      ['uplink_message'],
      ['uplink_message', 'f_port'],
      ['uplink_message', 'f_cnt'],
      ['uplink_message', 'frm_payload'],
      ['uplink_message', 'decoded_payload'],
      ['uplink_message', 'received_at'],
    ],
    ChirpStack: [
      ['time'],
      ['deviceInfo'],
      ['deviceInfo', 'devEui'],
      ['fCnt'],
      ['fPort'],
      ['data'],
      ['object'],
    ],
  }
  const encoders = { TTS: ttsUplinkEnvelope, ChirpStack: chirpstackUplinkEnvelope }

  it.each(parsers)('%s: a valid envelope with one field replaced by any JSON never throws', (name, parse) => {
    fc.assert(
      fc.property(
        arbitraryInput,
        fc.constantFrom(...(paths[name] ?? [])),
        fc.jsonValue(),
        (x, path, value) => {
          const envelope = JSON.parse(JSON.stringify(encoders[name](x))) as Record<string, unknown>
          let at: Record<string, unknown> = envelope
          for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>
          at[path.at(-1) ?? ''] = value
          return wellFormed(parse(bytes(envelope)))
        },
      ),
    )
  })
})
