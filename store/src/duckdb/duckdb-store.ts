import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'
import type { Id, NewObservation, PageRequest } from '@urbantwin/model'
import type { DeviceProvision, DeviceRecord, LatestOfKind, Store } from '../ports.ts'
import { DROP_OBSERVATIONS_UNIQUE, MIGRATIONS, SCHEMA } from './schema.ts'
import { STAGING_TABLE, insertObservations } from './insert-observations.ts'
import { QUARANTINE_SCHEMA, countQuarantine, insertQuarantine, listQuarantine } from './quarantine.ts'
import { SerialConnection, json, isoFromMs, parseJson, type Sql } from './sql.ts'
import {
  toDatastream,
  toLocation,
  toObservation,
  toObservedProperty,
  toResult,
  toSensor,
  toThing,
} from './rows.ts'

export type DuckDbStoreOptions = {
  /** Database file; `:memory:` for a throw-away store. */
  path: string
}

const OBSERVATION_COLUMNS = `id, datastream_id, epoch_ms(phenomenon_time) AS phenomenon_ms,
  epoch_ms(result_time) AS result_ms, result_number, result_json, result_quality`

/**
 * The embedded default store: registry and observations in one DuckDB file.
 * DuckDB allows one process per file; extensions are never downloaded (offline by design).
 */
export async function openDuckDbStore(opts: DuckDbStoreOptions): Promise<Store> {
  return (await openDuckDb(opts)).store
}

/** The store and its connection, for the time-series adapter over the same observations table. */
export type OpenDuckDb = { store: Store; conn: SerialConnection }

export async function openDuckDb(opts: DuckDbStoreOptions): Promise<OpenDuckDb> {
  const instance = await DuckDBInstance.create(opts.path, {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  })
  const conn = new SerialConnection(await instance.connect())
  await conn.exclusive(async (sql) => {
    for (const ddl of [...SCHEMA, ...QUARANTINE_SCHEMA]) await sql.run(ddl)
    const unique = await sql.one(
      `SELECT 1 AS x FROM duckdb_constraints() WHERE table_name = 'observations' AND constraint_type = 'UNIQUE'`,
    )
    if (unique) {
      await sql.run('BEGIN TRANSACTION')
      for (const ddl of DROP_OBSERVATIONS_UNIQUE) await sql.run(ddl)
      await sql.run('COMMIT')
    }
    for (const m of MIGRATIONS) {
      const has = await sql.one(
        'SELECT 1 AS x FROM information_schema.columns WHERE table_name = ? AND column_name = ?',
        [m.table, m.column],
      )
      if (!has) await sql.run(m.ddl)
    }
    await sql.run('CHECKPOINT')
    await sql.run(STAGING_TABLE)
  })
  let closed = false

  async function page<T>(
    sql: Sql,
    from: string,
    params: DuckDBValue[],
    p: PageRequest,
    map: (r: Record<string, unknown>) => T,
    columns = '*',
    order = 'id',
  ): Promise<{ items: T[]; count: number }> {
    const countRow = await sql.one(`SELECT count(*) AS n FROM ${from}`, params)
    const rows = await sql.rows(`SELECT ${columns} FROM ${from} ORDER BY ${order} LIMIT ? OFFSET ?`, [
      ...params,
      p.top,
      p.skip,
    ])
    return { items: rows.map(map), count: Number(countRow?.n ?? 0) }
  }

  /** A page of a registry table, optionally only the rows of one Thing. */
  function pageOfThing<T>(table: string, map: (r: Record<string, unknown>) => T) {
    return (p: PageRequest, thingId?: Id) =>
      conn.exclusive((sql) =>
        thingId === undefined
          ? page(sql, table, [], p, map)
          : page(sql, `${table} WHERE thing_id = ?`, [thingId], p, map),
      )
  }

  /** A single registry entity by its `@iot.id`. */
  function byId<T>(table: string, map: (r: Record<string, unknown>) => T) {
    return (id: Id) =>
      conn.exclusive(async (sql) => {
        const r = await sql.one(`SELECT * FROM ${table} WHERE id = ?`, [id])
        return r ? map(r) : null
      })
  }

  async function deviceIn(sql: Sql, deviceId: string): Promise<DeviceRecord | null> {
    const thing = await sql.one('SELECT id, kind, properties FROM things WHERE device_id = ?', [deviceId])
    if (!thing) return null
    const streams = await sql.rows('SELECT id, key FROM datastreams WHERE thing_id = ?', [Number(thing.id)])
    return {
      deviceId,
      kind: String(thing.kind),
      thingId: Number(thing.id),
      datastreams: Object.fromEntries(streams.map((s) => [String(s.key), Number(s.id)])),
      properties: parseJson<Record<string, unknown>>(thing.properties) ?? {},
    }
  }

  async function idOf(
    sql: Sql,
    select: string,
    params: DuckDBValue[],
    insert: string,
    values: DuckDBValue[],
  ) {
    const found = await sql.one(select, params)
    if (found) return Number(found.id)
    const created = await sql.one(`${insert} RETURNING id`, values)
    return Number(created?.id)
  }

  const store: Store = {
    provisionDevice: (p: DeviceProvision) =>
      conn.transaction(async (sql) => {
        const [lon, lat] = p.location.location.coordinates
        const existing = await sql.one('SELECT id FROM things WHERE device_id = ?', [p.deviceId])
        let thingId: number
        if (existing) {
          thingId = Number(existing.id)
          await sql.run(
            'UPDATE things SET kind = ?, name = ?, description = ?, properties = ? WHERE id = ?',
            [p.kind, p.thing.name, p.thing.description, json(p.thing.properties), thingId],
          )
          await sql.run('DELETE FROM locations WHERE thing_id = ?', [thingId])
        } else {
          const row = await sql.one(
            'INSERT INTO things (device_id, kind, name, description, properties) VALUES (?, ?, ?, ?, ?) RETURNING id',
            [p.deviceId, p.kind, p.thing.name, p.thing.description, json(p.thing.properties)],
          )
          thingId = Number(row?.id)
        }
        await sql.run(
          `INSERT INTO locations (thing_id, name, description, encoding_type, lon, lat, properties)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [
            thingId,
            p.location.name,
            p.location.description,
            p.location.encodingType,
            lon,
            lat,
            json(p.location.properties),
          ],
        )
        const sensorId = await idOf(
          sql,
          'SELECT id FROM sensors WHERE name = ? AND metadata = ?',
          [p.sensor.name, p.sensor.metadata],
          'INSERT INTO sensors (name, description, encoding_type, metadata) VALUES (?, ?, ?, ?)',
          [p.sensor.name, p.sensor.description, p.sensor.encodingType, p.sensor.metadata],
        )
        for (const d of p.datastreams) {
          const opId = await idOf(
            sql,
            'SELECT id FROM observed_properties WHERE definition = ?',
            [d.observedProperty.definition],
            'INSERT INTO observed_properties (name, definition, description) VALUES (?, ?, ?)',
            [d.observedProperty.name, d.observedProperty.definition, d.observedProperty.description],
          )
          await sql.run(
            `INSERT INTO datastreams (thing_id, sensor_id, observed_property_id, key, name, description, unit, observation_type)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (thing_id, key) DO UPDATE SET name = excluded.name, description = excluded.description,
               unit = excluded.unit, observation_type = excluded.observation_type`,
            [
              thingId,
              sensorId,
              opId,
              d.key,
              `${d.name} of ${p.thing.name}`,
              d.description,
              json(d.unitOfMeasurement),
              d.observationType,
            ],
          )
        }
        const device = await deviceIn(sql, p.deviceId)
        if (!device) throw new Error(`provisioned device ${p.deviceId} not found`)
        return device
      }),

    device: (deviceId) => conn.exclusive((sql) => deviceIn(sql, deviceId)),

    things: (p) => conn.exclusive((sql) => page(sql, 'things', [], p, toThing)),
    thing: byId('things', toThing),
    locations: pageOfThing('locations', toLocation),
    location: byId('locations', toLocation),
    datastreams: pageOfThing('datastreams', toDatastream),
    datastream: byId('datastreams', toDatastream),
    sensor: byId('sensors', toSensor),
    observedProperty: byId('observed_properties', toObservedProperty),

    putMqttAccount: (a) =>
      conn.exclusive(async (sql) => {
        await sql.run(
          `INSERT INTO mqtt_accounts (username, password_hash, role, device_id) VALUES (?, ?, ?, ?)
           ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role,
             device_id = excluded.device_id`,
          [a.username, a.passwordHash, a.role, a.deviceId],
        )
      }),
    mqttAccount: (username) =>
      conn.exclusive(async (sql) => {
        const r = await sql.one('SELECT * FROM mqtt_accounts WHERE username = ?', [username])
        if (!r) return null
        return {
          username: String(r.username),
          passwordHash: String(r.password_hash),
          role: r.role as 'device' | 'gateway' | 'admin',
          deviceId: (r.device_id as string | null) ?? null,
        }
      }),

    appendObservations: (obs: readonly NewObservation[]) =>
      conn.transaction(async (sql) => ({ inserted: await insertObservations(conn.conn, sql, obs) })),

    observations: (datastreamId, p) =>
      conn.exclusive((sql) =>
        page(
          sql,
          'observations WHERE datastream_id = ?',
          [datastreamId],
          p,
          toObservation,
          OBSERVATION_COLUMNS,
          'phenomenon_time DESC, id DESC',
        ),
      ),

    observation: (id) =>
      conn.exclusive(async (sql) => {
        const r = await sql.one(`SELECT ${OBSERVATION_COLUMNS} FROM observations WHERE id = ?`, [id])
        return r ? toObservation(r) : null
      }),

    latestOfKind: (kind, key) =>
      conn.exclusive(async (sql) => {
        const rows = await sql.rows(
          `WITH streams AS (
             SELECT d.id, d.thing_id FROM datastreams d JOIN things t ON t.id = d.thing_id WHERE t.kind = ? AND d.key = ?
           ), latest AS (
             SELECT o.datastream_id, arg_max(o.result_number, o.phenomenon_time) AS result_number,
                    arg_max(o.result_json, o.phenomenon_time) AS result_json, epoch_ms(max(o.phenomenon_time)) AS phenomenon_ms
             FROM observations o WHERE o.datastream_id IN (SELECT id FROM streams) GROUP BY o.datastream_id
           )
           SELECT t.id AS thing_id, t.device_id, t.name, t.properties, l.lon, l.lat, s.id AS datastream_id,
                  latest.result_number, latest.result_json, latest.phenomenon_ms
           FROM things t
           JOIN locations l ON l.thing_id = t.id
           LEFT JOIN streams s ON s.thing_id = t.id
           LEFT JOIN latest ON latest.datastream_id = s.id
           WHERE t.kind = ?
           ORDER BY t.id`,
          [kind, key, kind],
        )
        return rows.map((r): LatestOfKind => ({
          thingId: Number(r.thing_id),
          deviceId: String(r.device_id),
          name: String(r.name),
          properties: parseJson<Record<string, unknown>>(r.properties) ?? {},
          coordinates: [Number(r.lon), Number(r.lat)],
          datastreamId: r.datastream_id === null ? null : Number(r.datastream_id),
          result: r.phenomenon_ms === null ? null : toResult(r),
          phenomenonTime: r.phenomenon_ms === null ? null : isoFromMs(r.phenomenon_ms),
        }))
      }),

    quarantine: (entries) =>
      conn.transaction(async (sql) => ({ inserted: await insertQuarantine(sql, entries) })),
    quarantined: (p, category) => conn.exclusive((sql) => listQuarantine(sql, p, category)),
    quarantineCounts: () => conn.exclusive((sql) => countQuarantine(sql)),

    close: async () => {
      if (closed) return
      closed = true
      await conn.exclusive(async (sql) => {
        await sql.run('CHECKPOINT')
        conn.conn.closeSync()
      })
      instance.closeSync()
    },
  }
  return { store, conn }
}
