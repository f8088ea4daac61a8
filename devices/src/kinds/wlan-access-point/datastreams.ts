import type { DatastreamSpec } from '@urbantwin/model'
import {
  BIT_PER_SECOND,
  CATEGORY,
  COUNT,
  COUNT_OBSERVATION,
  MEASUREMENT,
  NO_UNIT,
  SECOND,
} from '../../units.ts'
import { BAND_FIELDS, type BandField } from './payload.ts'

/**
 * `clientsConnected` and `apState` are terms of FIWARE Smart Data Models `dataModel.WifiNetwork`; their
 * URIs are the ones its `@context` maps them to (github.com/smart-data-models/dataModel.WifiNetwork,
 * `context.jsonld`). That model has no per-band counts, uptime or throughput, so those get our own URNs.
 */
const SDM_WIFI = 'https://smartdatamodels.org/dataModel.WifiNetwork'
const OWN = 'urn:urbantwin:property:wlan'

function bandStream(field: BandField): DatastreamSpec {
  const band = BAND_FIELDS[field]
  return {
    key: field,
    name: `Clients connected, ${band}`,
    description: `Clients associated with the access point on the ${band} band`,
    unitOfMeasurement: COUNT,
    observationType: COUNT_OBSERVATION,
    observedProperty: {
      name: `Clients connected (${band})`,
      definition: `${OWN}:${field}`,
      description: `Part of AccessPoint.clientsConnected on the ${band} band`,
    },
  }
}

export const WLAN_DATASTREAMS: readonly DatastreamSpec[] = [
  {
    key: 'clientsConnected',
    name: 'Clients connected',
    description: 'Clients associated with the access point, all bands (a count, never identities)',
    unitOfMeasurement: COUNT,
    observationType: COUNT_OBSERVATION,
    observedProperty: {
      name: 'Clients connected',
      definition: `${SDM_WIFI}/clientsConnected`,
      description: 'AccessPoint.clientsConnected: number of clients or users connected to the access point',
    },
  },
  ...(Object.keys(BAND_FIELDS) as BandField[]).map(bandStream),
  {
    key: 'apState',
    name: 'Access point state',
    description: 'up: the access point is working; down: it is not working or shut down',
    unitOfMeasurement: NO_UNIT,
    observationType: CATEGORY,
    observedProperty: {
      name: 'Access point state',
      definition: `${SDM_WIFI}/apState`,
      description: 'AccessPoint.apState',
    },
  },
  {
    key: 'uptime',
    name: 'Uptime',
    description: 'Time since the access point last booted',
    unitOfMeasurement: SECOND,
    observationType: MEASUREMENT,
    // The phenomenon of HOST-RESOURCES-MIB hrSystemUptime (RFC 2790), reported in seconds.
    observedProperty: {
      name: 'Uptime',
      definition: `${OWN}:uptime`,
      description: 'Time since the last boot',
    },
  },
  {
    key: 'throughputRx',
    name: 'Throughput received',
    description: 'Data received from wireless clients, averaged over the report interval',
    unitOfMeasurement: BIT_PER_SECOND,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Received throughput',
      definition: `${OWN}:throughputRx`,
      description: 'Client → AP data rate',
    },
  },
  {
    key: 'throughputTx',
    name: 'Throughput sent',
    description: 'Data sent to wireless clients, averaged over the report interval',
    unitOfMeasurement: BIT_PER_SECOND,
    observationType: MEASUREMENT,
    observedProperty: {
      name: 'Sent throughput',
      definition: `${OWN}:throughputTx`,
      description: 'AP → client data rate',
    },
  },
]
