import type { Permission } from '../http/permissions.ts'
import type { EntitySet } from './sta-schemas.ts'

/**
 * Every HTTP operation the API serves, as data: the one table the OpenAPI document is built from
 * (docs/openapi.ts). Adding a route is adding a line here; `test/docs.integration.test.ts` compares
 * this table with the routes Express actually has, both ways.
 */

/**
 * Who may call: `public` needs no key ever (answered before keys are checked); `open` is open data,
 * anonymous unless `API_ANONYMOUS_READ=false` (then `read`); otherwise an API key whose role has the
 * permission (http/permissions.ts).
 */
export type Access = 'public' | 'open' | Permission

/** Names of `components.parameters` (docs/parameters.ts). */
export type QueryName =
  | 'filter'
  | 'orderby'
  | 'select'
  | 'expand'
  | 'top'
  | 'skip'
  | 'count'
  | 'resultFormat'
  | 'aggregate'
  | 'interval'
  | 'quarantineTop'
  | 'quarantineSkip'
  | 'quarantineCategory'

/** A media type's body: schema component names (several: one of them), or `null` for plain text. */
export type Content = Readonly<Record<string, readonly string[] | null>>

export type Operation = {
  method: 'get' | 'post' | 'patch' | 'delete'
  /** OpenAPI path template: `(id)` of SensorThings as `({id})`, e.g. `/v1.1/Things({id})`. */
  path: string
  tag: string
  summary: string
  description?: string
  access: Access
  query?: readonly QueryName[]
  /** `{property}` in the path: the property names it may take. */
  properties?: readonly string[]
  body?: { schema: string; description: string }
  ok: { status: number; description: string; content?: Content; headers?: readonly string[] }
  /** Errors beyond those every operation may answer (see openapi.ts). */
  errors?: readonly number[]
}

const STA = '/v1.1'
const JSON_ONLY = (...schemas: string[]): Content => ({ 'application/json': schemas })

/** A SensorThings collection (STA 9.2.1, 9.3): its entities, and their addresses only (`/$ref`). */
export type StaCollection = { kind: 'collection'; path: string; set: EntitySet; summary: string }
/** A SensorThings entity (STA 9.2.2, 9.2.3): itself, one property, its raw value, its address. */
export type StaEntity = { kind: 'entity'; path: string; set: EntitySet; summary: string }
export type StaRoute = StaCollection | StaEntity

const list = (path: string, set: EntitySet, summary: string): StaCollection => ({
  kind: 'collection',
  path,
  set,
  summary,
})
const one = (path: string, set: EntitySet, summary: string): StaEntity => ({
  kind: 'entity',
  path,
  set,
  summary,
})

/** The read paths of routes/sta.ts, one line each (below `/v1.1`). */
export const STA_ROUTES: readonly StaRoute[] = [
  list('/Things', 'Things', 'Things'),
  one('/Things({id})', 'Things', 'A Thing'),
  list('/Things({id})/Datastreams', 'Datastreams', 'The Datastreams of a Thing'),
  list('/Things({id})/Locations', 'Locations', 'Where a Thing is now'),
  list('/Things({id})/HistoricalLocations', 'HistoricalLocations', 'Where a Thing has been, newest first'),
  list('/HistoricalLocations', 'HistoricalLocations', 'HistoricalLocations, newest first'),
  one('/HistoricalLocations({id})', 'HistoricalLocations', 'A HistoricalLocation'),
  one('/HistoricalLocations({id})/Thing', 'Things', 'The Thing of a HistoricalLocation'),
  list('/HistoricalLocations({id})/Locations', 'Locations', 'The Location of a HistoricalLocation'),
  list('/Locations', 'Locations', 'Locations'),
  one('/Locations({id})', 'Locations', 'A Location'),
  list('/Locations({id})/Things', 'Things', 'The Thing at a Location (a Location belongs to one Thing here)'),
  list(
    '/Locations({id})/HistoricalLocations',
    'HistoricalLocations',
    'When Things came to a Location, newest first',
  ),
  list('/Datastreams', 'Datastreams', 'Datastreams'),
  one('/Datastreams({id})', 'Datastreams', 'A Datastream'),
  one('/Datastreams({id})/Thing', 'Things', 'The Thing of a Datastream'),
  one('/Datastreams({id})/Sensor', 'Sensors', 'The Sensor of a Datastream'),
  one('/Datastreams({id})/ObservedProperty', 'ObservedProperties', 'The ObservedProperty of a Datastream'),
  list('/Datastreams({id})/Observations', 'Observations', 'The Observations of a Datastream, newest first'),
  list(
    '/MultiDatastreams',
    'MultiDatastreams',
    'MultiDatastreams (STA 8.2.9): one Sensor, several ObservedProperties',
  ),
  one('/MultiDatastreams({id})', 'MultiDatastreams', 'A MultiDatastream'),
  one('/MultiDatastreams({id})/Thing', 'Things', 'The Thing of a MultiDatastream'),
  one('/MultiDatastreams({id})/Sensor', 'Sensors', 'The Sensor of a MultiDatastream'),
  list(
    '/MultiDatastreams({id})/ObservedProperties',
    'ObservedProperties',
    'The ObservedProperties of a MultiDatastream, in the order of its results’ elements',
  ),
  list(
    '/MultiDatastreams({id})/Observations',
    'Observations',
    'The Observations of a MultiDatastream (results are arrays), newest first',
  ),
  list('/Things({id})/MultiDatastreams', 'MultiDatastreams', 'The MultiDatastreams of a Thing'),
  list('/Sensors({id})/MultiDatastreams', 'MultiDatastreams', 'The MultiDatastreams of a Sensor'),
  list(
    '/ObservedProperties({id})/MultiDatastreams',
    'MultiDatastreams',
    'The MultiDatastreams that observe an ObservedProperty',
  ),
  list(
    '/Observations',
    'Observations',
    'The Observations of every Datastream, newest first; with a time-series engine only for $filter=Datastream/@iot.id eq <id> (else 501)',
  ),
  one('/Observations({id})', 'Observations', 'An Observation'),
  one('/Observations({id})/Datastream', 'Datastreams', 'The Datastream of an Observation'),
  one('/Observations({id})/MultiDatastream', 'MultiDatastreams', 'The MultiDatastream of an Observation'),
  one('/Observations({id})/FeatureOfInterest', 'FeaturesOfInterest', 'Where an Observation was made'),
  list('/FeaturesOfInterest', 'FeaturesOfInterest', 'FeaturesOfInterest: the Locations of Observations'),
  one('/FeaturesOfInterest({id})', 'FeaturesOfInterest', 'A FeatureOfInterest'),
  list(
    '/FeaturesOfInterest({id})/Observations',
    'Observations',
    'The Observations made at a FeatureOfInterest',
  ),
  list('/Sensors', 'Sensors', 'Sensors'),
  one('/Sensors({id})', 'Sensors', 'A Sensor'),
  list('/Sensors({id})/Datastreams', 'Datastreams', 'The Datastreams of a Sensor'),
  list('/ObservedProperties', 'ObservedProperties', 'ObservedProperties'),
  one('/ObservedProperties({id})', 'ObservedProperties', 'An ObservedProperty'),
  list('/ObservedProperties({id})/Datastreams', 'Datastreams', 'The Datastreams of an ObservedProperty'),
].map((r) => ({ ...r, path: `${STA}${r.path}` }))

const CREATED = {
  status: 201,
  description: 'Created; `Location` is its address',
  content: JSON_ONLY('Observation'),
  headers: ['Location'],
}

/** Everything else, one line (or a few) each. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: STA,
    tag: 'SensorThings',
    summary: 'Service root: the entity sets (STA 9.2.1)',
    access: 'open',
    ok: { status: 200, description: 'Entity sets and conformance', content: JSON_ONLY('ServiceRoot') },
  },
  {
    method: 'get',
    path: `${STA}/catalogue`,
    tag: 'Open data',
    summary: 'DCAT-AP(.de) catalogue of the published Datastreams (JSON-LD)',
    access: 'open',
    ok: {
      status: 200,
      description: 'The catalogue, with the licence headers of the exports',
      content: { 'application/ld+json': ['Catalogue'], 'application/json': ['Catalogue'] },
      headers: ['Link', 'X-Attribution'],
    },
  },
  {
    method: 'post',
    path: `${STA}/Observations`,
    tag: 'Observations',
    summary: 'Create an Observation (STA 10.2)',
    description:
      'The body names its Datastream: `"Datastream": {"@iot.id": 7}`, or its MultiDatastream (then the result is an ' +
      'array, one value per ObservedProperty, typed by multiObservationDataTypes). phenomenonTime defaults to now, ' +
      'resultTime to phenomenonTime. parameters, validTime and FeatureOfInterest are not stored, so they are refused.',
    access: 'write:observations',
    body: { schema: 'ObservationBody', description: 'The Observation' },
    ok: CREATED,
    errors: [409],
  },
  {
    method: 'post',
    path: `${STA}/Datastreams({id})/Observations`,
    tag: 'Datastreams',
    summary: 'Create an Observation of this Datastream (STA 10.2)',
    description: 'Observations are unique per Datastream and phenomenonTime: a second one is a 409.',
    access: 'write:observations',
    body: { schema: 'ObservationBody', description: 'The Observation (its Datastream is the path’s)' },
    ok: CREATED,
    errors: [409],
  },
  {
    method: 'post',
    path: `${STA}/MultiDatastreams({id})/Observations`,
    tag: 'MultiDatastreams',
    summary: 'Create an Observation of this MultiDatastream (STA 10.2)',
    description:
      'The result is an array with one value per ObservedProperty, each of its multiObservationDataTypes ' +
      '(null: not observed). Unique per MultiDatastream and phenomenonTime: a second one is a 409.',
    access: 'write:observations',
    body: { schema: 'ObservationBody', description: 'The Observation (its MultiDatastream is the path’s)' },
    ok: CREATED,
    errors: [409],
  },
  {
    method: 'post',
    path: `${STA}/CreateObservations`,
    tag: 'Observations',
    summary: 'Create many Observations with dataArray (STA 14.4)',
    description:
      'At most 10,000 rows. The answer has one entry per row, in order: the Observation’s @iot.selfLink ' +
      '(also when it already existed, so a retry is harmless) or "error".',
    access: 'write:observations',
    body: { schema: 'CreateObservationsBody', description: 'Per Datastream: components once, then rows' },
    ok: { status: 201, description: 'One entry per row', content: JSON_ONLY('CreateObservationsResult') },
  },
  {
    method: 'post',
    path: `${STA}/$batch`,
    tag: 'Batch',
    summary: 'Several requests in one (STA 11.2, OData JSON batch)',
    description:
      'At most 100 requests, run in order through the whole API (keys, permissions and limits apply to ' +
      'each). `$<id>` at the start of a url is an earlier answer’s Location; a request whose dependsOn ' +
      'failed is answered 424. atomicityGroup is refused (400).',
    access: 'write',
    body: { schema: 'BatchRequest', description: 'The requests' },
    ok: { status: 200, description: 'One answer per request, in order', content: JSON_ONLY('BatchResponse') },
  },
  {
    method: 'patch',
    path: `${STA}/Observations({id})`,
    tag: 'Observations',
    summary: 'Change an Observation (STA 10.3)',
    description:
      'Its own properties only; a new result must fit its (Multi)Datastream, a phenomenonTime it already has an ' +
      'Observation at is a 409. A time-series engine (VictoriaMetrics, InfluxDB) does not change one numeric ' +
      'Observation in place: 501.',
    access: 'write',
    body: { schema: 'ObservationPatch', description: 'The properties to change' },
    ok: { status: 200, description: 'The changed Observation', content: JSON_ONLY('Observation') },
    errors: [409, 501],
  },
  {
    method: 'delete',
    path: `${STA}/Observations({id})`,
    tag: 'Observations',
    summary: 'Delete an Observation (STA 10.4)',
    description:
      'A time-series engine (VictoriaMetrics, InfluxDB) cannot delete one numeric Observation: 501.',
    access: 'write',
    ok: { status: 200, description: 'Deleted' },
    errors: [501],
  },
  {
    method: 'get',
    path: '/api/layers/containers',
    tag: 'Map layers',
    summary: 'Used-clothing containers with their latest fill level (GeoJSON)',
    access: 'open',
    ok: {
      status: 200,
      description: 'One Feature per container',
      content: { 'application/geo+json': ['ContainerLayer'] },
    },
  },
  {
    method: 'get',
    path: '/api/gender-data-gap',
    tag: 'Open data',
    summary: 'The gender data gap: every published (Multi)Datastream, and the share disaggregated by gender',
    description:
      'Per stream: disaggregated by gender or not (properties.disaggregation), source, provenance, domain, what one Observation covers, first and latest phenomenonTime. Totals overall and per domain. Computed from the registry, at most every 30 s.',
    access: 'open',
    ok: { status: 200, description: 'The report', content: JSON_ONLY('GenderDataGapReport') },
  },
  {
    method: 'get',
    path: '/api/gender-data-gap.csv',
    tag: 'Open data',
    summary: 'The gender data gap report as CSV: one row per published (Multi)Datastream',
    access: 'open',
    ok: { status: 200, description: 'RFC 4180 CSV with a header row', content: { 'text/csv': null } },
  },
  {
    method: 'post',
    path: '/api/devices',
    tag: 'Operators',
    summary: 'Register a device; answers its MQTT login once',
    description:
      'Registering the same device id again updates it (a new position moves it) and issues a new token.',
    access: 'provision',
    body: { schema: 'DeviceRegistration', description: 'The device' },
    ok: { status: 201, description: 'Registered', content: JSON_ONLY('RegisteredDevice') },
  },
  {
    method: 'get',
    path: '/api/mqtt/accounts',
    tag: 'Operators',
    summary: 'MQTT logins: who may connect to the broker, with their roles (never their secrets)',
    access: 'provision',
    ok: { status: 200, description: 'Every login', content: JSON_ONLY('MqttAccountList') },
  },
  {
    method: 'post',
    path: '/api/mqtt/accounts',
    tag: 'Operators',
    summary: "Create a device's or a LoRaWAN bridge's MQTT login; answers its secret once",
    description:
      "A bridge (a LoRaWAN network server's MQTT integration) may publish only its network server's uplinks.",
    access: 'provision',
    body: { schema: 'NewMqttAccount', description: 'The login' },
    ok: { status: 201, description: 'Created', content: JSON_ONLY('IssuedMqttLogin') },
    errors: [409],
  },
  {
    method: 'post',
    path: '/api/mqtt/accounts/{username}/rotate',
    tag: 'Operators',
    summary: 'Issue a new secret for an MQTT login; the old one stops working and its connections close',
    access: 'provision',
    ok: { status: 200, description: 'Rotated', content: JSON_ONLY('IssuedMqttLogin') },
  },
  {
    method: 'delete',
    path: '/api/mqtt/accounts/{username}',
    tag: 'Operators',
    summary: 'Revoke an MQTT login: it is deleted and its connections are closed at once',
    access: 'provision',
    ok: { status: 200, description: 'Revoked', content: JSON_ONLY('RevokedMqttLogin') },
  },
  {
    method: 'get',
    path: '/api/quarantine',
    tag: 'Operators',
    summary: 'Messages that could not become Observations, with their reasons, newest first',
    access: 'quarantine',
    query: ['quarantineTop', 'quarantineSkip', 'quarantineCategory'],
    ok: { status: 200, description: 'A page of the quarantine', content: JSON_ONLY('QuarantinePage') },
  },
  {
    method: 'get',
    path: '/api/quarantine/counts',
    tag: 'Operators',
    summary: 'Quarantined messages by category',
    access: 'quarantine',
    ok: { status: 200, description: 'Counts', content: JSON_ONLY('QuarantineCounts') },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Operators',
    summary: 'Prometheus metrics',
    access: 'metrics',
    ok: { status: 200, description: 'Prometheus text exposition', content: { 'text/plain': null } },
  },
  {
    method: 'get',
    path: '/api/health',
    tag: 'Service',
    summary: 'Liveness and ingest counters (for probes: no key, no rate limit)',
    access: 'public',
    ok: { status: 200, description: 'Up', content: JSON_ONLY('Health') },
  },
  {
    method: 'get',
    path: '/api/ready',
    tag: 'Service',
    summary:
      'Readiness: broker, store, time series and WAL can take work (for probes: no key, no rate limit)',
    description: 'Answers 503 with the same body while any check fails.',
    access: 'public',
    ok: { status: 200, description: 'Ready', content: JSON_ONLY('Ready') },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'Service',
    summary: 'This document (OpenAPI 3.1)',
    access: 'public',
    ok: { status: 200, description: 'OpenAPI 3.1', content: JSON_ONLY('AnyJson') },
  },
  {
    method: 'get',
    path: '/api/asyncapi.json',
    tag: 'Service',
    summary: 'The MQTT topics (AsyncAPI 3.0)',
    access: 'public',
    ok: { status: 200, description: 'AsyncAPI 3.0', content: JSON_ONLY('AnyJson') },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'Service',
    summary: 'API reference (HTML, works offline)',
    access: 'public',
    ok: { status: 200, description: 'HTML page', content: { 'text/html': null } },
  },
  {
    method: 'get',
    path: '/docs/mqtt',
    tag: 'Service',
    summary: 'MQTT topics reference (HTML, from the AsyncAPI document)',
    access: 'public',
    ok: { status: 200, description: 'HTML page', content: { 'text/html': null } },
  },
]
