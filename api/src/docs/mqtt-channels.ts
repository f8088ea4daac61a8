/**
 * The MQTT topics of the platform, as data: the one place the AsyncAPI document (docs/asyncapi.ts)
 * and the MQTT reference page (/docs/mqtt) are built from. Who may do what follows the broker's ACL
 * (broker/src/auth/policy.ts, broker/README.md); the SensorThings topics follow OGC 18-088 14.2 as
 * api/src/sta/mqtt/ serves them. A change of topics or rights is a change of this table.
 */

import { ENTITY_SETS } from '../sta/query.ts'

/** MQTT logins (broker/src/auth/policy.ts `Principal`). */
export type Login = 'device' | 'gateway' | 'apiKey' | 'admin' | 'anonymous'

/** Messages by name (docs/asyncapi.ts `messages`); `uplink` stands for each device kind's payload. */
export type MessageName =
  | 'uplink'
  | 'ttsUplink'
  | 'chirpstackUplink'
  | 'observation'
  | 'observationSelected'
  | 'observationCreate'
  | 'entity'
  | 'entitySelected'
  | 'entityProperty'

export type ChannelAction = {
  summary: string
  /** Who may (anonymous SensorThings reads only while open data is readable without a key). */
  logins: readonly Login[]
  messages: readonly MessageName[]
}

export type MqttChannel = {
  /** Key of the channel in the document. */
  id: string
  /** Topic with `{parameters}`. */
  address: string
  title: string
  description: string
  parameters: Readonly<Record<string, string>>
  /** A concrete topic of this channel (the tests check that the platform's topic parsers accept it). */
  example: string
  /** Clients publish here; the platform receives (AsyncAPI `receive`). */
  publish?: ChannelAction
  /** Clients subscribe here; the platform sends (AsyncAPI `send`). */
  subscribe?: ChannelAction
}

const SELECT_NOTE =
  'Append `?$select=` with property names (e.g. `?$select=result,phenomenonTime`) to the topic to receive only ' +
  'those (STA 14.2.1); no other query option and no wildcard is accepted. `v1.1/Observations` delivers every new Observation. ' +
  'Observations of gender-disaggregated streams come with small-cell suppression, as over HTTP: counts below PRIVACY_MIN_CELL ' +
  'and those that would give them away are null, and `parameters.suppressed` lists their positions.'

/** Who may subscribe to SensorThings topics: every login (anonymous while open data is readable without a key). */
const STA_READERS: readonly Login[] = ['anonymous', 'apiKey', 'device', 'gateway', 'admin']

const STA_PUBLISH: ChannelAction = {
  summary: 'Create an Observation (STA 14.2.2): the body as for HTTP POST, acknowledged only once stored',
  logins: ['gateway', 'apiKey', 'admin'],
  messages: ['observationCreate'],
}

export const MQTT_CHANNELS: readonly MqttChannel[] = [
  {
    id: 'deviceUplink',
    address: 'urbantwin/v1/devices/{deviceId}/up',
    title: 'Device uplink (native JSON)',
    description:
      'A device reports its readings as JSON, validated by its kind’s schema (one message per kind below). ' +
      'QoS 1 is acknowledged only once the message is durable in the write-ahead log. An invalid message is ' +
      'quarantined with its reason (GET /api/quarantine), never silently dropped. Counts only: no identities.',
    parameters: { deviceId: 'The device id: 1–64 of A–Z a–z 0–9 . _ -, starting alphanumeric' },
    example: 'urbantwin/v1/devices/awm-demo-1/up',
    publish: {
      summary: 'Report readings (a device only as itself)',
      logins: ['device', 'gateway', 'admin'],
      messages: ['uplink'],
    },
  },
  {
    id: 'ttsUplink',
    address: 'v3/{applicationId}@{tenantId}/devices/{deviceId}/up',
    title: 'LoRaWAN uplink, The Things Stack v3',
    description:
      'A bridge forwards The Things Stack’s application uplink unchanged; the decoded payload (or the raw ' +
      'FRMPayload for kinds with a binary decoder) is read for the registered device `deviceId`.',
    parameters: {
      applicationId: 'TTS application id',
      tenantId: 'TTS tenant id',
      deviceId: 'TTS device id (lower-case letters, digits, single dashes); the registry’s device id',
    },
    example: 'v3/awm-containers@urbantwin/devices/awm-demo-1/up',
    publish: { summary: 'Forward an uplink envelope', logins: ['gateway', 'admin'], messages: ['ttsUplink'] },
  },
  {
    id: 'chirpstackUplink',
    address: 'application/{applicationId}/device/{devEui}/event/up',
    title: 'LoRaWAN uplink, ChirpStack v4',
    description:
      'A bridge forwards ChirpStack’s uplink event unchanged; the device is its DevEUI (lower case).',
    parameters: { applicationId: 'ChirpStack application id', devEui: 'DevEUI, 16 hex digits' },
    example: 'application/5b3c2e1a-0c7d-4c52-9d0e-2f6b8a1e9c11/device/a84041000181c6f1/event/up',
    publish: {
      summary: 'Forward an uplink event',
      logins: ['gateway', 'admin'],
      messages: ['chirpstackUplink'],
    },
  },
  {
    id: 'staObservations',
    address: 'v1.1/Observations',
    title: 'SensorThings: all new Observations',
    description: `Every new Observation, as the HTTP API serialises it. ${SELECT_NOTE} A PUBLISH here creates an Observation whose body names its Datastream.`,
    parameters: {},
    example: 'v1.1/Observations',
    subscribe: {
      summary: 'Receive each new Observation (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['observation', 'observationSelected'],
    },
    publish: STA_PUBLISH,
  },
  {
    id: 'staDatastreamObservations',
    address: 'v1.1/Datastreams({datastreamId})/Observations',
    title: 'SensorThings: new Observations of one Datastream',
    description: `The new Observations of one Datastream. ${SELECT_NOTE} A PUBLISH here creates an Observation of this Datastream.`,
    parameters: { datastreamId: 'The Datastream’s @iot.id' },
    example: 'v1.1/Datastreams(7)/Observations',
    subscribe: {
      summary: 'Receive each new Observation of the Datastream (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['observation', 'observationSelected'],
    },
    publish: STA_PUBLISH,
  },
  {
    id: 'staEntitySet',
    address: 'v1.1/{entitySet}',
    title: 'SensorThings: new entities of a set',
    description: `Each new entity of the set, as GET answers it: created through the API (also inline in a deep insert), by provisioning a device, or a Thing's HistoricalLocation when it moves. A new Location is also a new FeatureOfInterest. ${SELECT_NOTE}`,
    parameters: {
      entitySet:
        'Things, Locations, HistoricalLocations, Datastreams, MultiDatastreams, Sensors, ObservedProperties, FeaturesOfInterest (Observations: see above)',
    },
    example: 'v1.1/Things',
    subscribe: {
      summary: 'Receive each new entity of the set (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['entity', 'entitySelected'],
    },
  },
  {
    id: 'staNavigation',
    address: 'v1.1/{parentSet}({parentId})/{entitySet}',
    title: 'SensorThings: new entities of a navigation collection',
    description: `Each new entity that joins the collection. Served: Things(id)/Locations, …/HistoricalLocations, …/Datastreams, …/MultiDatastreams; Locations(id)/HistoricalLocations; Sensors(id) and ObservedProperties(id) /Datastreams and /MultiDatastreams; MultiDatastreams(id)/Observations (Datastreams(id)/Observations: see above). ${SELECT_NOTE}`,
    parameters: {
      parentSet: 'The entity set of the parent',
      parentId: 'The parent’s @iot.id',
      entitySet: 'The navigation property, a collection',
    },
    example: 'v1.1/Things(3)/Datastreams',
    subscribe: {
      summary: 'Receive each new member of the collection (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['entity', 'entitySelected'],
    },
  },
  {
    id: 'staEntity',
    address: 'v1.1/{entitySet}({id})',
    title: 'SensorThings: an entity after each change',
    description: `The whole entity after each PATCH of it (Observations too). ${SELECT_NOTE}`,
    parameters: {
      entitySet: ENTITY_SETS.join(', '),
      id: 'The entity’s @iot.id',
    },
    example: 'v1.1/Things(3)',
    subscribe: {
      summary: 'Receive the entity after each change (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['entity', 'entitySelected'],
    },
  },
  {
    id: 'staEntityProperty',
    address: 'v1.1/{entitySet}({id})/{property}',
    title: 'SensorThings: one property after each change',
    description:
      'The property alone, as `{"name": "…"}` (as GET …/name answers), after each change of it; a change of another property sends nothing here. No query options.',
    parameters: {
      entitySet: 'As for an entity',
      id: 'The entity’s @iot.id',
      property: 'A property of the set, e.g. name, description, properties, location, unitOfMeasurement',
    },
    example: 'v1.1/Things(3)/name',
    subscribe: {
      summary: 'Receive the property after each change of it (STA 14.2.1)',
      logins: STA_READERS,
      messages: ['entityProperty'],
    },
  },
]
