import {
  COMPLEX_OBSERVATION,
  type DatastreamRecord,
  type HistoricalLocationRecord,
  type LocationGeometry,
  type LocationRecord,
  type MultiDatastreamRecord,
  type ObservationColumns,
  type ObservationRecord,
  type ObservationType,
  type ObservedPropertyRecord,
  type SensorRecord,
  type ThingRecord,
  type UnitOfMeasurement,
} from '@urbantwin/model'
import type { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api'
import type { DeviceRegistration, MqttAccount } from '../ports.ts'
import { isoFromMs, parseJson, type Row } from './sql.ts'

/** Row → record mappers: the only place that knows column names. */

function withProperties<T extends object>(
  base: T,
  raw: unknown,
): T & { properties?: Record<string, unknown> } {
  const properties = parseJson<Record<string, unknown>>(raw)
  return properties === undefined ? base : { ...base, properties }
}

export function toThing(r: Row): ThingRecord {
  return withProperties(
    {
      id: Number(r.id),
      deviceId: (r.device_id as string | null) ?? null,
      kind: (r.kind as string | null) ?? null,
      name: String(r.name),
      description: String(r.description),
    },
    r.properties,
  )
}

export function toLocation(r: Row): LocationRecord {
  return withProperties(
    {
      id: Number(r.id),
      thingId: Number(r.thing_id),
      name: String(r.name),
      description: String(r.description),
      encodingType: 'application/geo+json' as const,
      location:
        r.geometry === null || r.geometry === undefined
          ? { type: 'Point' as const, coordinates: [Number(r.lon), Number(r.lat)] as [number, number] }
          : (parseJson(r.geometry) as LocationGeometry),
    },
    r.properties,
  )
}

export function toHistoricalLocation(r: Row): HistoricalLocationRecord {
  return {
    id: Number(r.id),
    thingId: Number(r.thing_id),
    locationId: Number(r.location_id),
    time: isoFromMs(r.time_ms),
  }
}

export function toSensor(r: Row): SensorRecord {
  return {
    id: Number(r.id),
    name: String(r.name),
    description: String(r.description),
    encodingType: String(r.encoding_type),
    metadata: String(r.metadata),
  }
}

export function toObservedProperty(r: Row): ObservedPropertyRecord {
  return {
    id: Number(r.id),
    name: String(r.name),
    definition: String(r.definition),
    description: String(r.description),
  }
}

export function toDatastream(r: Row): DatastreamRecord {
  return withProperties(
    {
      id: Number(r.id),
      thingId: Number(r.thing_id),
      sensorId: Number(r.sensor_id),
      observedPropertyId: Number(r.observed_property_id),
      key: String(r.key),
      name: String(r.name),
      description: String(r.description),
      unitOfMeasurement: parseJson<UnitOfMeasurement>(r.unit) as UnitOfMeasurement,
      observationType: String(r.observation_type) as ObservationType,
    },
    r.properties,
  )
}

export function toMultiDatastream(r: Row): MultiDatastreamRecord {
  return withProperties(
    {
      id: Number(r.id),
      thingId: Number(r.thing_id),
      sensorId: Number(r.sensor_id),
      observedPropertyIds: ((r.observed_property_ids as unknown[] | null) ?? []).map(Number),
      name: String(r.name),
      description: String(r.description),
      unitOfMeasurements: parseJson<UnitOfMeasurement[]>(r.units) ?? [],
      observationType: COMPLEX_OBSERVATION,
      multiObservationDataTypes: parseJson<ObservationType[]>(r.data_types) ?? [],
    },
    r.properties,
  )
}

export function toResult(r: Row): ObservationRecord['result'] {
  if (r.result_number !== null && r.result_number !== undefined) return Number(r.result_number)
  return parseJson<ObservationRecord['result']>(r.result_json) as ObservationRecord['result']
}

/** The columns of an Observation row as toObservation reads them (times as epoch milliseconds). */
export const OBSERVATION_COLUMNS = `id, datastream_id, epoch_ms(phenomenon_time) AS phenomenon_ms,
  epoch_ms(result_time) AS result_ms, result_number, result_json, result_quality`

export function toObservation(r: Row): ObservationRecord {
  return {
    id: Number(r.id),
    datastreamId: Number(r.datastream_id),
    phenomenonTime: isoFromMs(r.phenomenon_ms),
    resultTime: isoFromMs(r.result_ms),
    result: toResult(r),
    ...(typeof r.result_quality === 'string' ? { resultQuality: r.result_quality } : {}),
  }
}

/**
 * The first `top` rows of chunks of OBSERVATION_COLUMNS_AS_NUMBERS (id, times in epoch ms, result
 * number, result JSON, resultQuality) as ObservationColumns, read cell by cell from the vectors;
 * `rows`: how many the chunks hold (one more than `top` tells that more follow).
 */
export function observationColumnsOf(
  chunks: readonly DuckDBDataChunk[],
  top: number,
): { columns: ObservationColumns; rows: number } {
  const rows = chunks.reduce((n, c) => n + c.rowCount, 0)
  const length = Math.min(rows, top)
  const columns: ObservationColumns = {
    length,
    id: new Float64Array(length),
    phenomenonMs: new Float64Array(length),
    resultMs: new Float64Array(length),
    result: new Array<string | null>(length),
    resultQuality: new Array<string | null>(length),
  }
  let at = 0
  for (const chunk of chunks) {
    const cells = (c: number) => chunk.getColumnVector(c) as DuckDBVector<number | string | null>
    const [id, phenomenon, result, number, json, quality] = [0, 1, 2, 3, 4, 5].map(cells) as [
      DuckDBVector<number>,
      DuckDBVector<number>,
      DuckDBVector<number>,
      DuckDBVector<number | null>,
      DuckDBVector<string | null>,
      DuckDBVector<string | null>,
    ]
    for (let i = 0; i < chunk.rowCount && at < length; i++, at++) {
      columns.id[at] = id.getItem(i)!
      columns.phenomenonMs[at] = phenomenon.getItem(i)!
      columns.resultMs[at] = result.getItem(i)!
      const n = number.getItem(i)
      // a number as JSON.stringify writes it (NaN and ±Infinity are no JSON numbers: null)
      columns.result[at] = n === null ? json.getItem(i) : Number.isFinite(n) ? String(n) : 'null'
      columns.resultQuality[at] = quality.getItem(i)
    }
  }
  return { columns, rows }
}

export function toRegistration(r: Row): DeviceRegistration {
  const properties = parseJson<Record<string, unknown>>(r.properties)
  const locationProperties = parseJson<Record<string, unknown>>(r.location_properties)
  return {
    deviceId: String(r.device_id),
    kind: String(r.kind),
    thing: {
      name: String(r.name),
      description: String(r.description),
      ...(properties === undefined ? {} : { properties }),
    },
    location: {
      name: String(r.location_name),
      description: String(r.location_description),
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [Number(r.lon), Number(r.lat)] },
      ...(locationProperties === undefined ? {} : { properties: locationProperties }),
    },
  }
}

/** Columns of an MQTT login, its issue time as epoch ms. */
export const MQTT_ACCOUNT_SELECT = `SELECT username, password_hash, role, device_id, network,
  epoch_ms(issued_at) AS issued_ms FROM mqtt_accounts`

export function mqttAccountOf(r: Row): MqttAccount {
  return {
    username: String(r.username),
    passwordHash: String(r.password_hash),
    role: r.role as MqttAccount['role'],
    deviceId: (r.device_id as string | null) ?? null,
    network: (r.network as MqttAccount['network']) ?? null,
    // logins made before issue times were kept have none
    ...(r.issued_ms === null || r.issued_ms === undefined
      ? {}
      : { issuedAt: isoFromMs(Number(r.issued_ms)) }),
  }
}
