import { Parser } from '@asyncapi/parser'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { parseDeviceTopic } from '@urbantwin/model'
import { defaultOpenData } from '../sta/export/licence.ts'
import { parseStaTopic } from '../sta/mqtt/topic.ts'
import { observationJson } from '../sta/serialize.ts'
import { asyncApiDocument, withHost, type AsyncApiOptions } from './asyncapi.ts'
import { MQTT_CHANNELS } from './mqtt-channels.ts'

type Json = Record<string, unknown>
type Doc = Json & { channels: Record<string, Json>; components: { schemas: Record<string, Json> } }

/** A device kind as the devices package declares one (only what the document reads). */
const thermometer = {
  id: 'thermometer',
  name: 'Thermometer',
  description: 'Air temperature',
  payload: z.strictObject({
    time: z.iso.datetime({ offset: true }).optional().describe('When it measured'),
    temperature: z.number().min(-50).max(60).describe('°C'),
  }),
}

const OPTIONS: AsyncApiOptions = {
  anonymousRead: true,
  deviceKinds: [thermometer],
  mqttPort: 1883,
  openData: defaultOpenData(),
}
const build = (o: Partial<AsyncApiOptions> = {}) => asyncApiDocument({ ...OPTIONS, ...o }) as Doc

async function errorsOf(doc: unknown): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(JSON.stringify(doc))
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)
}

/** `v1.1/Datastreams({datastreamId})/Observations` → a RegExp that its topics match. */
const addressPattern = (address: string) =>
  new RegExp(
    `^${address
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  )

describe('AsyncAPI document', () => {
  it('parses as AsyncAPI 3.0 without errors, with and without device kinds and LoRaWAN envelopes', async () => {
    expect(await errorsOf(build())).toEqual([])
    expect(await errorsOf(build({ deviceKinds: [], anonymousRead: false }))).toEqual([])
    const lorawan = { tts: z.looseObject({ end_device_ids: z.object({}) }), chirpstack: z.looseObject({}) }
    expect(await errorsOf(build({ lorawan }))).toEqual([])
  }, 30_000)

  it('is refused by the parser when broken (the check above can fail)', async () => {
    const broken = build()
    ;(broken.operations as Record<string, Json>).receiveDeviceUplink!.channel = { $ref: '#/channels/none' }
    expect((await errorsOf(broken)).length).toBeGreaterThan(0)
  }, 30_000)

  it('has channel examples that match their addresses and that the platform’s topic parsers accept', () => {
    for (const c of MQTT_CHANNELS) {
      expect(c.example, c.id).toMatch(addressPattern(c.address))
      const accepted = c.address.startsWith('v1.1/')
        ? parseStaTopic(c.example).ok
        : parseDeviceTopic(c.example) !== null
      expect(accepted, c.example).toBe(true)
    }
  })

  it('describes each device kind’s uplink with its own schema', () => {
    const doc = build()
    const messages = doc.channels.deviceUplink!.messages as Json
    expect(Object.keys(messages)).toEqual(['uplink.thermometer'])
    const ajv = new Ajv({ strict: false })
    addFormats.default(ajv)
    const validate = ajv.compile(doc.components.schemas['uplink.thermometer']!)
    expect(validate({ temperature: 11.5, time: '2026-11-23T08:00:00Z' })).toBe(true)
    expect(validate({ temperature: 99 })).toBe(false)
    expect(validate({ temperature: 1, mac: 'aa:bb' })).toBe(false)
  })

  it('describes the Observations it delivers as the HTTP API serialises them', () => {
    const doc = build()
    const ajv = new Ajv({ strict: false })
    addFormats.default(ajv)
    const validate = ajv.compile(doc.components.schemas.observation!)
    const delivered = observationJson(
      { base: 'http://127.0.0.1:8080/v1.1' },
      {
        id: 9,
        datastreamId: 7,
        phenomenonTime: '2026-11-23T08:00:00.000Z',
        resultTime: '2026-11-23T08:00:00.000Z',
        result: 42,
      },
    )
    expect(validate(delivered), ajv.errorsText(validate.errors)).toBe(true)
    expect(validate({ ...delivered, result: { nested: true } })).toBe(false)
  })

  it('puts the host a client asked on into the servers', () => {
    const doc = withHost(build(), 'udp.example.org:8443', 'udp.example.org') as {
      servers: Record<string, Json>
    }
    expect(doc.servers.mqtt!.variables).toMatchObject({
      host: { default: 'udp.example.org' },
      port: { default: '1883' },
    })
    expect(doc.servers.ws!.variables).toMatchObject({ host: { default: 'udp.example.org:8443' } })
    expect(doc.servers.ws!.pathname).toBe('/mqtt')
  })
})
