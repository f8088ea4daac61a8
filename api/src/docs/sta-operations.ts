import {
  OPERATIONS,
  STA_ROUTES,
  type Content,
  type Operation,
  type QueryName,
  type StaRoute,
} from './operations.ts'
import { REGISTRY_SETS, type RegistrySet } from '@urbantwin/store'
import { entityName, propertyNamesOf } from './sta-schemas.ts'
import { CREATABLE_SETS, type CreatableSet } from '../sta/write/entities.ts'

/**
 * The SensorThings rows of the operation table, expanded as routes/sta.ts registers them: a collection
 * with its `/$ref`; an entity with one property, its `$value` and its `/$ref`.
 */

const COLLECTION_QUERY: readonly QueryName[] = [
  'filter',
  'orderby',
  'select',
  'expand',
  'top',
  'skip',
  'count',
  'resultFormat',
]
const EXPORT_HEADERS = ['Link', 'X-Attribution', 'X-Total-Count']

/** One SensorThings row of the table → its operations (as routes/sta.ts registers them). */
function staOperations(r: StaRoute): Operation[] {
  const tag = /^\/v1\.1\/(\w+)/.exec(r.path)?.[1] ?? 'SensorThings'
  const entity = entityName(r.set)
  if (r.kind === 'collection') {
    const ofDatastream = r.set === 'Observations' && r.path.startsWith('/v1.1/Datastreams(')
    const ofMulti = r.set === 'Observations' && r.path.startsWith('/v1.1/MultiDatastreams(')
    const geo = r.set === 'Things' || r.set === 'Locations'
    const content: Content = {
      'application/json': [
        `${entity}Collection`,
        ...(ofDatastream ? ['DataArray', 'AggregateCollection'] : ofMulti ? ['DataArray'] : []),
      ],
      'text/csv': null,
      ...(geo ? { 'application/geo+json': ['GeoJsonExport'] } : {}),
    }
    return [
      {
        method: 'get',
        path: r.path,
        tag,
        summary: r.summary,
        access: 'open',
        query: [...COLLECTION_QUERY, ...(ofDatastream ? (['aggregate', 'interval'] as const) : [])],
        ok: { status: 200, description: `A page of ${r.set}`, content, headers: EXPORT_HEADERS },
      },
      {
        method: 'get',
        path: `${r.path}/$ref`,
        tag,
        summary: `${r.summary}: addresses only (STA 9.2.6)`,
        access: 'open',
        query: ['filter', 'orderby', 'top', 'skip', 'count'],
        ok: {
          status: 200,
          description: 'Their @iot.selfLink',
          content: { 'application/json': ['SelfLinkCollection'] },
        },
      },
    ]
  }
  const properties = propertyNamesOf(r.set)
  const base = { method: 'get', tag, access: 'open' } as const
  return [
    {
      ...base,
      path: r.path,
      summary: r.summary,
      query: ['select', 'expand'],
      ok: { status: 200, description: `The ${entity}`, content: { 'application/json': [entity] } },
    },
    {
      ...base,
      path: `${r.path}/{property}`,
      properties,
      summary: `${r.summary}: one property (STA 9.2.4)`,
      ok: { status: 200, description: 'The property', content: { 'application/json': ['PropertyValue'] } },
    },
    {
      ...base,
      path: `${r.path}/{property}/$value`,
      properties,
      summary: `${r.summary}: one property’s raw value (STA 9.2.5)`,
      description: 'Text as text/plain, objects as JSON; 204 when the property is null or absent.',
      ok: {
        status: 200,
        description: 'The raw value',
        content: { 'text/plain': null, 'application/json': ['AnyJson'] },
      },
    },
    {
      ...base,
      path: `${r.path}/$ref`,
      summary: `${r.summary}: its address (STA 9.2.6)`,
      ok: { status: 200, description: 'Its @iot.selfLink', content: { 'application/json': ['SelfLink'] } },
    },
  ]
}

/** STA 10.3 and 10.4: a key with `write` changes and deletes the registry's entities. */
function registryWrites(set: RegistrySet): Operation[] {
  const entity = entityName(set)
  const path = `/v1.1/${set}({id})`
  return [
    {
      method: 'patch',
      path,
      tag: set,
      summary: `Change a ${entity} (STA 10.3)`,
      description:
        'Only its own properties, each optional; links to other entities are not changed this way (400).',
      access: 'write',
      body: { schema: `${entity}Patch`, description: 'The properties to change' },
      ok: { status: 200, description: `The changed ${entity}`, content: { 'application/json': [entity] } },
    },
    {
      method: 'delete',
      path,
      tag: set,
      summary: `Delete a ${entity} (STA 10.4)`,
      description:
        'Deletes what cannot exist without it: a Thing its Datastreams, Locations and HistoricalLocations; ' +
        'a Datastream its Observations; a Sensor or ObservedProperty the Datastreams that use it; ' +
        'a Location the HistoricalLocations that name it.',
      access: 'write',
      ok: { status: 200, description: 'Deleted' },
      errors: [409, 501],
    },
  ]
}

/** STA 10.2: a key with `write` creates registry entities, with related ones inline (deep insert). */
function registryCreates(set: CreatableSet): Operation {
  const entity = entityName(set)
  return {
    method: 'post',
    path: `/v1.1/${set}`,
    tag: set,
    summary: `Create a ${entity} (STA 10.2)`,
    description:
      'Related entities come inline or as `{"@iot.id": n}` links: a Thing with its Locations and Datastreams ' +
      '(each with its Sensor and ObservedProperty), a Datastream with its Thing. A Location belongs to one Thing ' +
      'here: on its own it names that Thing in `Things`. An inline Sensor or ObservedProperty equal to one that ' +
      'exists (name and metadata; definition) is that one. A link to nothing is a 400.',
    access: 'write',
    body: { schema: `${entity}Post`, description: `The new ${entity}` },
    ok: {
      status: 201,
      description: `The created ${entity}; its address in Location`,
      content: { 'application/json': [entity] },
    },
    errors: [409],
  }
}

/** STA 10.2.1.2: creating a related entity through its parent's navigation path links it to the parent. */
const CREATES_THROUGH_PARENT: [string, CreatableSet, string][] = [
  ['Things', 'Datastreams', 'Thing'],
  ['Things', 'Locations', 'Things'],
  ['Things', 'MultiDatastreams', 'Thing'],
  ['Sensors', 'MultiDatastreams', 'Sensor'],
  ['Sensors', 'Datastreams', 'Sensor'],
  ['ObservedProperties', 'Datastreams', 'ObservedProperty'],
]
function createThroughParent([parent, set, link]: [string, CreatableSet, string]): Operation {
  const entity = entityName(set)
  return {
    ...registryCreates(set),
    path: `/v1.1/${parent}({id})/${set}`,
    summary: `Create a ${entity} of a ${entityName(parent as CreatableSet)} (STA 10.2.1.2)`,
    description: `As POST /v1.1/${set}, with \`${link}\` taken from the path (leave it out of the body). 404 when there is no such ${entityName(parent as CreatableSet)}.`,
    errors: [404, 409],
  }
}

/** All operations of this deployment: the table, with what createApp leaves out removed. */
export function allOperations(opts: { metrics: boolean }): Operation[] {
  return [
    ...STA_ROUTES.flatMap(staOperations),
    ...REGISTRY_SETS.flatMap(registryWrites),
    ...CREATABLE_SETS.map(registryCreates),
    ...CREATES_THROUGH_PARENT.map(createThroughParent),
    ...OPERATIONS,
  ].filter((o) => opts.metrics || o.path !== '/metrics')
}
