import { createRequire } from 'node:module'
import { z } from 'zod'
import { Id, Observation } from '@urbantwin/model'
import type { OpenDataLicence } from '../sta/export/licence.ts'
import { ObservationBody } from '../sta/write/observations.ts'
import { componentSchemas, type JsonSchema } from './json-schema.ts'
import {
  MQTT_CHANNELS,
  type ChannelAction,
  type Login,
  type MessageName,
  type MqttChannel,
} from './mqtt-channels.ts'

/** A device kind as far as the documents need it (structurally `DeviceKind` of @urbantwin/devices). */
export type UplinkKind = { id: string; name: string; description: string; payload: z.ZodType }

export type AsyncApiOptions = {
  /** Whether anonymous clients may subscribe to SensorThings topics (`API_ANONYMOUS_READ`). */
  anonymousRead: boolean
  /** Kinds whose native uplinks are documented; without any, the uplink payload is any JSON object. */
  deviceKinds: readonly UplinkKind[]
  /** Envelopes of the LoRaWAN network servers; without them, any JSON object. */
  lorawan?: { tts: z.ZodType; chirpstack: z.ZodType }
  /** The broker's TCP port. */
  mqttPort: number
  openData: OpenDataLicence
}

type Json = Record<string, unknown>

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
const SCHEMAS = '#/components/schemas/'

/** An Observation as the SensorThings MQTT extension delivers it (sta/serialize.ts `observationJson`). */
const ObservationMessage = Observation.extend({
  '@iot.id': Id,
  '@iot.selfLink': z.url(),
  'Datastream@iot.navigationLink': z.url(),
  'FeatureOfInterest@iot.navigationLink': z.url(),
})

const LOGINS: Record<Exclude<Login, 'anonymous'>, { title: string; who: string; description: string }> = {
  device: {
    title: 'Device login',
    who: 'devices',
    description:
      'Username: the device id; password: the token `POST /api/devices` answered (stored hashed). Publishes only its ' +
      'own native uplink topic.',
  },
  gateway: {
    title: 'Gateway login',
    who: 'gateways',
    description:
      'An account of a simulator or LoRaWAN bridge: publishes any device’s uplink, native or in a TTS v3 / ' +
      'ChirpStack v4 envelope, and may create Observations on SensorThings topics.',
  },
  apiKey: {
    title: 'API key login',
    who: 'API keys (as their role allows)',
    description:
      'Username `apikey`, password: an API key of the platform. SensorThings topics only, as the key’s role ' +
      'allows: read (`read`), create Observations (`write` or `write:observations`: device, operator, admin).',
  },
  admin: { title: 'Admin login', who: 'admins', description: 'An admin account: every topic, also `$SYS`.' },
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1)
const anyObject = (description: string) => z.record(z.string(), z.unknown()).describe(description)

/** The messages' payload schemas by message key, and which keys each message name stands for. */
function messageCatalogue(opts: AsyncApiOptions) {
  const uplinks = opts.deviceKinds.length
    ? opts.deviceKinds.map((k) => ({
        key: `uplink.${k.id}`,
        title: k.name,
        summary: k.description,
        schema: k.payload,
      }))
    : [
        {
          key: 'uplink',
          title: 'Device uplink',
          summary: 'Validated by the device kind’s schema',
          schema: anyObject('A JSON object'),
        },
      ]
  const input = {
    ...Object.fromEntries(uplinks.map((u) => [u.key, u.schema])),
    ttsUplink: opts.lorawan?.tts ?? anyObject('The Things Stack v3 ApplicationUp'),
    chirpstackUplink: opts.lorawan?.chirpstack ?? anyObject('ChirpStack v4 uplink event'),
    observationCreate: ObservationBody,
  }
  const output = {
    observation: ObservationMessage,
    observationSelected: ObservationMessage.partial(),
    entity: anyObject('A SensorThings entity, as GET /v1.1/{entitySet}({id}) answers it'),
    entitySelected: anyObject('Only the properties the topic’s $select names'),
    entityProperty: anyObject(
      'One property: {"<name>": <value>}, as GET /v1.1/{entitySet}({id})/{property} answers',
    ),
  }
  const titles: Record<string, { title: string; summary: string }> = {
    ...Object.fromEntries(uplinks.map((u) => [u.key, { title: u.title, summary: u.summary }])),
    ttsUplink: {
      title: 'TTS v3 uplink',
      summary: 'The Things Stack application uplink, as its MQTT server publishes it',
    },
    chirpstackUplink: { title: 'ChirpStack v4 uplink', summary: 'ChirpStack uplink event (JSON encoding)' },
    observation: {
      title: 'Observation',
      summary: 'A new Observation, as GET /v1.1/Observations(id) answers it',
    },
    observationSelected: {
      title: 'Observation ($select)',
      summary: 'Only the properties the topic’s $select names',
    },
    observationCreate: { title: 'New Observation', summary: 'As the body of POST /v1.1/Observations' },
    entity: { title: 'Entity', summary: 'A new or changed entity, as GET answers it' },
    entitySelected: { title: 'Entity ($select)', summary: 'Only the properties the topic’s $select names' },
    entityProperty: { title: 'Property', summary: 'One changed property, as GET …/{property} answers' },
  }
  const keysOf = (name: MessageName): string[] => (name === 'uplink' ? uplinks.map((u) => u.key) : [name])
  return { input, output, titles, keysOf }
}

function operation(
  c: MqttChannel,
  a: ChannelAction,
  action: 'send' | 'receive',
  keysOf: (m: MessageName) => string[],
  anonymousRead: boolean,
): Json {
  const logins = a.logins.filter((l): l is Exclude<Login, 'anonymous'> => l !== 'anonymous')
  const anonymous = a.logins.includes('anonymous')
    ? anonymousRead
      ? ' Anonymous clients (no username) may too, as open data is readable without a key.'
      : ' Anonymous clients may not: open data needs a key on this server.'
    : ' Never anonymous.'
  return {
    action,
    channel: { $ref: `#/channels/${c.id}` },
    summary: a.summary,
    description: `Who may: ${logins.map((l) => LOGINS[l].who).join(', ')}.${anonymous}`,
    security: logins.map((l) => ({ $ref: `#/components/securitySchemes/${l}` })),
    messages: a.messages.flatMap(keysOf).map((k) => ({ $ref: `#/channels/${c.id}/messages/${k}` })),
    bindings: { mqtt: { qos: 1, bindingVersion: '0.2.0' } },
  }
}

/** The AsyncAPI 3.0 document of the MQTT broker, from the channel table and the zod schemas. */
export function asyncApiDocument(opts: AsyncApiOptions): Json {
  const m = messageCatalogue(opts)
  const base = { target: 'draft-07', refBase: SCHEMAS } as const
  const schemas: Record<string, JsonSchema> = {
    ...componentSchemas(m.input, { ...base, io: 'input' }),
    ...componentSchemas(m.output, { ...base, io: 'output' }),
  }
  const channels: Json = {}
  const operations: Json = {}
  for (const c of MQTT_CHANNELS) {
    const names = [...(c.publish?.messages ?? []), ...(c.subscribe?.messages ?? [])]
    channels[c.id] = {
      address: c.address,
      title: c.title,
      description: c.description,
      ...(Object.keys(c.parameters).length
        ? {
            parameters: Object.fromEntries(
              Object.entries(c.parameters).map(([p, d]) => [p, { description: d }]),
            ),
          }
        : {}),
      messages: Object.fromEntries(
        [...new Set(names.flatMap(m.keysOf))].map((k) => [k, { $ref: `#/components/messages/${k}` }]),
      ),
    }
    if (c.publish)
      operations[`receive${cap(c.id)}`] = operation(c, c.publish, 'receive', m.keysOf, opts.anonymousRead)
    if (c.subscribe)
      operations[`send${cap(c.id)}`] = operation(c, c.subscribe, 'send', m.keysOf, opts.anonymousRead)
  }
  const security = Object.keys(LOGINS).map((l) => ({ $ref: `#/components/securitySchemes/${l}` }))
  const { licence, attribution } = opts.openData
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'UrbanTwin MQTT broker',
      version,
      description:
        'Devices publish readings over MQTT 3.1.1; the platform publishes new Observations on the topics of the ' +
        'OGC SensorThings MQTT extension (OGC 18-088 14.2). Operations are the platform’s: `receive` where clients ' +
        'publish, `send` where clients subscribe. A refused publish closes the connection (MQTT 3.1.1 has no ' +
        'negative PUBACK); a refused subscription gets return code 0x80. ' +
        `Data: ${licence.name} (${licence.id}), attribution “${attribution}”. The software is MIT-licensed.`,
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      mqtt: {
        host: '{host}:{port}',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description: 'MQTT over TCP',
        variables: {
          host: { default: 'localhost', description: 'The platform’s host' },
          port: { default: String(opts.mqttPort), description: 'MQTT_PORT' },
        },
        security,
      },
      ws: {
        host: '{host}',
        pathname: '/mqtt',
        protocol: 'ws',
        description: 'MQTT over WebSocket, on the HTTP port (browsers, the twin viewer)',
        variables: { host: { default: 'localhost', description: 'The platform’s host and HTTP port' } },
        security,
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages: Object.fromEntries(
        Object.keys(schemas).map((k) => [
          k,
          { name: k, ...m.titles[k], contentType: 'application/json', payload: { $ref: `${SCHEMAS}${k}` } },
        ]),
      ),
      securitySchemes: Object.fromEntries(
        Object.entries(LOGINS).map(([l, s]) => [
          l,
          { type: 'userPassword', description: `${s.title}. ${s.description}` },
        ]),
      ),
    },
  }
}

/** The document with the servers' host set to where a client reached the platform (`Host` of the request). */
export function withHost(doc: Json, host: string, hostname: string): Json {
  const servers = doc.servers as Record<string, { variables: Record<string, Json> }>
  const at = (name: string, value: string) => {
    const s = servers[name]!
    return { ...s, variables: { ...s.variables, host: { ...s.variables.host, default: value } } }
  }
  return { ...doc, servers: { mqtt: at('mqtt', hostname), ws: at('ws', host) } }
}
