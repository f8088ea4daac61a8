import { randomUUID } from 'node:crypto'
import { listValue, type DuckDBValue } from '@duckdb/node-api'
import {
  COMPLEX_OBSERVATION,
  representativePoint,
  type Id,
  type Location,
  type LocationGeometry,
  type MultiDatastream,
  type MultiDatastreamSpec,
  type NewObservation,
  type ObservedProperty,
  type PageRequest,
  type Sensor,
} from '@urbantwin/model'
import {
  ConflictError,
  LinkError,
  type Link,
  type NewDatastream,
  type NewMultiDatastream,
  type NewEntity,
  type NewThing,
  type DeviceProvision,
  type DeviceRecord,
  type LatestOfKind,
  type RegistrySet,
  type Store,
} from '../ports.ts'
import {
  ALL_OBSERVATIONS_VIEW,
  CURRENT_LOCATIONS_VIEW,
  MULTI_DATASTREAMS_VIEW,
  DROP_OBSERVATIONS_UNIQUE,
  MIGRATIONS,
  SCHEMA,
} from './schema.ts'
import { STAGING_TABLE, insertObservations } from './insert-observations.ts'
import { QUARANTINE_SCHEMA, countQuarantine, insertQuarantine, listQuarantine } from './quarantine.ts'
import { ReadPool, SerialConnection, json, openInstance, parseJson, type Row, type Sql } from './sql.ts'
import {
  NoSqlTranslationError,
  filterToSql,
  orderByToSql,
  type ColumnMap,
  type SqlFragment,
} from './filter-sql.ts'
import {
  DATASTREAM_COLUMNS,
  HISTORICAL_LOCATION_COLUMNS,
  LOCATION_COLUMNS,
  MULTI_DATASTREAM_COLUMNS,
  OBSERVATION_QUERY_COLUMNS,
  OBSERVED_PROPERTY_COLUMNS,
  SENSOR_COLUMNS,
  THING_COLUMNS,
} from './columns.ts'
import { UnsupportedQueryError, pageOf } from '../query/evaluate.ts'
import { LatestIndex, isLatestOnly, latestPage, type StoredNewest } from '../query/latest-index.ts'
import { pinnedDatastream, withFilter } from '../query/pinned.ts'
import { createDuckDbTimeSeries, firstTimes } from '../timeseries/duckdb-series.ts'
import { createRegistryFeed } from './registry-changes.ts'
import {
  toDatastream,
  OBSERVATION_COLUMNS,
  observationColumnsOf,
  toMultiDatastream,
  toHistoricalLocation,
  toLocation,
  toObservation,
  toObservedProperty,
  toRegistration,
  toSensor,
  toThing,
  MQTT_ACCOUNT_SELECT,
  mqttAccountOf,
} from './rows.ts'

export type DuckDbStoreOptions = {
  /** Database file; `:memory:` for a throw-away store. */
  path: string
  /**
   * DuckDB's worker threads (its default: one per core). With 1, each statement runs on the thread
   * that issued it, and statements of different connections share the cores as the OS schedules
   * them: a server that answers many small reads beside ingest writes (see the platform's
   * STORE_DUCKDB_THREADS).
   */
  threads?: number
}

/**
 * Rows moved per compaction step (one transaction; whole Datastreams, so a step may be larger): a
 * tenth of what is moved, within these bounds. The commit of a step keeps other transactions from
 * starting (DuckDB writes its WAL then): reads of the API waited ~500 ms behind a step of a million
 * rows, ~120 ms behind one of 200,000. Larger steps for a large backlog keep the number of steps,
 * each of which scans the recent table, at about ten.
 */
const COMPACT_STEP_ROWS = { min: 200_000, max: 1_000_000 }

/**
 * A Location's geometry as stored: an area (Polygon, MultiPolygon) as GeoJSON text; a point only in
 * lon/lat, which for an area hold its representative point.
 */
function areaOf(g: LocationGeometry): string | null {
  return g.type === 'Point' ? null : JSON.stringify(g)
}

/** How an entity's STA properties map to columns, for PATCH; `point` is a Location's geometry (areaOf). */
type Column = { column: string; json?: boolean; cast?: string } | 'point'
const text = (column: string): Column => ({ column })
const PATCHABLE: Record<RegistrySet, { table: string; columns: Record<string, Column> }> = {
  Things: {
    table: 'things',
    columns: {
      name: text('name'),
      description: text('description'),
      properties: { column: 'properties', json: true },
    },
  },
  Locations: {
    table: 'locations',
    columns: {
      name: text('name'),
      description: text('description'),
      encodingType: text('encoding_type'),
      location: 'point',
      properties: { column: 'properties', json: true },
    },
  },
  HistoricalLocations: {
    table: 'historical_locations',
    columns: { time: { column: 'time', cast: '::TIMESTAMPTZ' } },
  },
  Datastreams: {
    table: 'datastreams',
    columns: {
      name: text('name'),
      description: text('description'),
      unitOfMeasurement: { column: 'unit', json: true },
      observationType: text('observation_type'),
      properties: { column: 'properties', json: true },
    },
  },
  MultiDatastreams: {
    table: 'multi_datastreams',
    columns: {
      name: text('name'),
      description: text('description'),
      unitOfMeasurements: { column: 'units', json: true },
      multiObservationDataTypes: { column: 'data_types', json: true },
      properties: { column: 'properties', json: true },
    },
  },
  Sensors: {
    table: 'sensors',
    columns: {
      name: text('name'),
      description: text('description'),
      encodingType: text('encoding_type'),
      metadata: text('metadata'),
    },
  },
  ObservedProperties: {
    table: 'observed_properties',
    columns: { name: text('name'), definition: text('definition'), description: text('description') },
  },
}

/** Which Datastreams and MultiDatastreams (one id sequence) an entity's deletion takes with it (see Registry.remove). */
const DATASTREAMS_OF: Partial<Record<RegistrySet, string>> = {
  Things:
    'SELECT id FROM datastreams WHERE thing_id = $1 UNION ALL SELECT id FROM multi_datastreams WHERE thing_id = $1',
  Datastreams: 'SELECT id FROM datastreams WHERE id = $1',
  MultiDatastreams: 'SELECT id FROM multi_datastreams WHERE id = $1',
  Sensors:
    'SELECT id FROM datastreams WHERE sensor_id = $1 UNION ALL SELECT id FROM multi_datastreams WHERE sensor_id = $1',
  ObservedProperties: `SELECT id FROM datastreams WHERE observed_property_id = $1
    UNION SELECT multi_datastream_id FROM multi_datastream_properties WHERE observed_property_id = $1`,
}
/** Tables rows of going (Multi)Datastreams are deleted from, and the column naming them. */
const STREAM_TABLES: ReadonlyArray<[string, string]> = [
  ['observations', 'datastream_id'],
  ['observations_archive', 'datastream_id'],
  ['datastreams', 'id'],
  ['multi_datastream_properties', 'multi_datastream_id'],
  ['multi_datastreams', 'id'],
]

/** Connections that serve reads (see ReadPool); the store's one writing connection is apart. */
const READ_CONNECTIONS = 4

/** How long the registry stays unchanged before a cached table that it made stale is read anew. */
const REGISTRY_QUIET_MS = 1000

/** Rows a filter without an SQL form may be evaluated on, one by one. */
const IN_MEMORY_FILTER_MAX = 100_000

/** The Observations of one (Multi)Datastream, and the order they are listed in (STA's default here). */
const OBSERVATIONS_OF = 'all_observations WHERE datastream_id = ?'
const NEWEST_FIRST = 'phenomenon_time DESC, id DESC'
/** What `observationColumnsOf` reads: numbers as DOUBLE (no BigInt per cell), in this order. */
const OBSERVATION_COLUMNS_AS_NUMBERS = `CAST(id AS DOUBLE), CAST(epoch_ms(phenomenon_time) AS DOUBLE),
  CAST(epoch_ms(result_time) AS DOUBLE), result_number, result_json, result_quality`

/**
 * The embedded default store: registry and observations in one DuckDB file.
 * DuckDB allows one process per file; extensions are never downloaded (offline by design).
 */
export async function openDuckDbStore(opts: DuckDbStoreOptions): Promise<Store> {
  return (await openDuckDb(opts)).store
}

/** The store and its connection, for the time-series adapter over the same observations table. */
export type OpenDuckDb = { store: Store; conn: SerialConnection; reads: ReadPool }

export async function openDuckDb(opts: DuckDbStoreOptions): Promise<OpenDuckDb> {
  const instance = await openInstance(opts.path, opts.threads)
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
    await sql.run(CURRENT_LOCATIONS_VIEW)
    await sql.run(MULTI_DATASTREAMS_VIEW)
    await sql.run(ALL_OBSERVATIONS_VIEW)
    await sql.run('CHECKPOINT')
    await sql.run(STAGING_TABLE)
  })
  let closed = false
  const reads = new ReadPool(
    await Promise.all(
      Array.from({ length: READ_CONNECTIONS }, async () => new SerialConnection(await instance.connect())),
    ),
  )
  const series = createDuckDbTimeSeries(conn, reads)
  /** Rows of a newest-per-Datastream query (with `seen`, how many it went through), by Datastream. */
  const latestByDatastream = (rows: Record<string, unknown>[]) =>
    new Map(
      rows.map((r) => [Number(r.datastream_id), { observation: toObservation(r), seen: Number(r.seen) }]),
    )
  /**
   * The newest Observation of each of `ids` in `table` (with `sinceMs`: only from then on), and how
   * many the Datastream has there. One aggregate pass; a struct is never NULL, so arg_max also keeps
   * rows whose result is JSON.
   */
  const newestIn = (sql: Sql, table: string, ids: readonly Id[], sinceMs?: number) =>
    sql
      .rows(
        `SELECT datastream_id, seen, o.id, epoch_ms(t) AS phenomenon_ms, epoch_ms(o.result_time) AS result_ms,
                o.result_number, o.result_json, o.result_quality
         FROM (SELECT datastream_id, count(*) AS seen, max(phenomenon_time) AS t,
                 arg_max(struct_pack(id, result_time, result_number, result_json, result_quality), (phenomenon_time, id)) AS o
               FROM ${table}
               WHERE datastream_id IN (SELECT unnest(?::INTEGER[]))${sinceMs === undefined ? '' : ` AND phenomenon_time >= make_timestamptz(?::BIGINT * 1000)`}
               GROUP BY datastream_id)`,
        [listValue([...ids]), ...(sinceMs === undefined ? [] : [sinceMs])],
      )
      .then(latestByDatastream)
  /**
   * Per Datastream of the rows one insert stored (its RETURNING rows): the newest, how many and the
   * earliest time, what the latest-value index learns from a write. Computed here rather than by a
   * query over the new rows: that query and the sequence lookup it needed were two of the five
   * statements of every ingest batch.
   */
  const newestPerDatastream = (rows: readonly Row[]): StoredNewest[] => {
    const per = new Map<number, { row: Row; ms: number; id: number; seen: number; fromMs: number }>()
    for (const r of rows) {
      const ds = Number(r.datastream_id)
      const ms = Number(r.phenomenon_ms)
      const id = Number(r.id)
      const at = per.get(ds)
      if (!at) per.set(ds, { row: r, ms, id, seen: 1, fromMs: ms })
      else {
        at.seen++
        if (ms < at.fromMs) at.fromMs = ms
        if (ms > at.ms || (ms === at.ms && id > at.id)) Object.assign(at, { row: r, ms, id })
      }
    }
    return [...per.values()].map((p) => ({
      latest: { observation: toObservation(p.row), seen: p.seen },
      fromMs: p.fromMs,
    }))
  }
  /**
   * The newest Observation of each of `ids` over all time, in two passes: the newest time and count
   * per Datastream (two narrow columns), then those rows alone. Carrying whole rows through the
   * aggregate, as `newestIn` does over a short window, takes ten times longer over a month.
   */
  const newestEver = (sql: Sql, ids: readonly Id[]) =>
    sql
      .rows(
        `WITH newest AS (
           SELECT datastream_id, max(phenomenon_time) AS t, count(*) AS seen FROM all_observations
           WHERE datastream_id IN (SELECT unnest(?::INTEGER[])) GROUP BY datastream_id)
         SELECT n.seen, o.id, o.datastream_id, epoch_ms(o.phenomenon_time) AS phenomenon_ms,
                epoch_ms(o.result_time) AS result_ms, o.result_number, o.result_json, o.result_quality
         FROM newest n JOIN all_observations o ON o.datastream_id = n.datastream_id AND o.phenomenon_time = n.t
         QUALIFY row_number() OVER (PARTITION BY o.datastream_id ORDER BY o.id DESC) = 1`,
        [listValue([...ids])],
      )
      .then(latestByDatastream)
  const latest = new LatestIndex((ids, sinceMs) =>
    reads.exclusive((sql) =>
      sinceMs === undefined ? newestEver(sql, ids) : newestIn(sql, 'all_observations', ids, sinceMs),
    ),
  )

  /**
   * A page of `from` (a table, perhaps with `WHERE … = ?`), with the request's `$filter` and
   * `$orderby` translated through `set`'s columns. A query SQL cannot express (geometry relations)
   * is evaluated in memory on the mapped records: registry tables are small.
   */
  async function page<T>(
    sql: Sql,
    from: string,
    params: DuckDBValue[],
    p: PageRequest,
    map: (r: Record<string, unknown>) => T,
    set: ColumnMap,
    columns = '*',
    order = 'id',
  ): Promise<{ items: T[]; count: number }> {
    const q = pageQuery(from, params, p, set, columns, order)
    if (!('rows' in q)) return pageInMemory(sql, q.source, params, p, map, columns, order)
    const { rows, count } = await runPage(
      sql,
      q,
      p,
      (text, values) => sql.rows(text, values),
      (r) => r.length,
    )
    return { items: rows.slice(0, p.top).map(map), count }
  }

  /**
   * The SQL of a page of `from` (`?` for each of `params`), filtered and ordered by the request;
   * without an exact count, it asks for one row more than the page, which tells whether more follow.
   * Only the source when the filter or the order has no SQL form.
   */
  function pageQuery(
    from: string,
    params: DuckDBValue[],
    p: PageRequest,
    set: ColumnMap,
    columns: string,
    order: string,
  ): { source: string } | { count: string; head: DuckDBValue[]; rows: string; all: DuckDBValue[] } {
    let n = 0
    const source = `(SELECT * FROM ${from.replace(/\?/g, () => `$${++n}`)}) AS e`
    let filter: SqlFragment | null
    let sorted: SqlFragment | null
    try {
      filter = p.filter ? filterToSql(p.filter, set, { firstParam: n + 1 }) : null
      sorted = p.orderBy?.length
        ? orderByToSql(p.orderBy, set, { firstParam: n + 1 + (filter?.params.length ?? 0) })
        : null
    } catch (err) {
      if (!(err instanceof NoSqlTranslationError)) throw err
      return { source }
    }
    const where = filter ? ` WHERE ${filter.sql}` : ''
    const head = [...params, ...(filter?.params ?? [])]
    const all = [...head, ...(sorted?.params ?? [])]
    return {
      count: `SELECT count(*) AS n FROM ${source}${where}`,
      head,
      rows: `SELECT ${columns} FROM ${source}${where} ORDER BY ${sorted?.sql ? `${sorted.sql}, ` : ''}${order}
         LIMIT $${all.length + 1} OFFSET $${all.length + 2}`,
      all: [...all, p.count !== false ? p.top : p.top + 1, p.skip],
    }
  }

  /** Runs a page query: its rows as `read` reads them (`length` of them), and the count of the Page. */
  async function runPage<R>(
    sql: Sql,
    q: { count: string; head: DuckDBValue[]; rows: string; all: DuckDBValue[] },
    p: PageRequest,
    read: (text: string, values: DuckDBValue[]) => Promise<R>,
    length: (rows: R) => number,
  ): Promise<{ rows: R; count: number }> {
    return clientErrors(async () => {
      const exact = p.count !== false
      const countRow = exact ? await sql.one(q.count, q.head) : null
      const rows = await read(q.rows, q.all)
      const n = length(rows)
      return {
        rows,
        count: exact ? Number(countRow?.n ?? 0) : p.skip + Math.min(n, p.top) + (n > p.top ? 1 : 0),
      }
    })
  }

  /**
   * A filter's own values can be out of range when evaluated (`substring(name, 1e30)`,
   * `now() add duration'P99999999999D'`): DuckDB then refuses the value, which is the client's
   * error (400), not the server's.
   */
  async function clientErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      const message = (err as Error).message ?? ''
      if (/^(Conversion|Out of Range|Overflow|Invalid Input) Error/.test(message))
        throw new UnsupportedQueryError(`the query cannot be evaluated: ${message.split('\n')[0]}`)
      throw err
    }
  }

  async function pageInMemory<T>(
    sql: Sql,
    source: string,
    params: DuckDBValue[],
    p: PageRequest,
    map: (r: Record<string, unknown>) => T,
    columns: string,
    order: string,
  ): Promise<{ items: T[]; count: number }> {
    const total = Number((await sql.one(`SELECT count(*) AS n FROM ${source}`, params))?.n ?? 0)
    if (total > IN_MEMORY_FILTER_MAX)
      throw new UnsupportedQueryError(
        `this query has no SQL form and ${total} entities are too many to go through one by one`,
      )
    const records = (await sql.rows(`SELECT ${columns} FROM ${source} ORDER BY ${order}`, params)).map(map)
    return pageOf(records, p)
  }

  /**
   * Registry tables, read whole and kept until the registry changes: `$expand` over a page of Things
   * reads a few thousand Datastreams per request otherwise (a fleet's Masterportal query), and every
   * page of a Datastream's Observations looks its Datastream up (a second DuckDB query per request,
   * 2 ms at the median and up to 28 ms while ingest writes). They change only when devices are
   * provisioned or entities written through the API. Every registry write bumps the version.
   */
  let registryVersion = 0
  let registryChangedAt = -Infinity
  /** Once a registry write settled (committed or not), cached reads start over. */
  const feed = createRegistryFeed(conn)
  const afterRegistryChange = <T>(write: Promise<T>): Promise<T> =>
    write.finally(() => {
      registryVersion++
      registryChangedAt = performance.now()
      feed.written()
    })
  type Cached = { byId: Map<Id, unknown>; byThing: Map<Id, unknown[]> }
  const registryTables = new Map<string, { version: number; rows: Promise<Cached>; value?: Cached }>()

  /** The rows of `table`, mapped, by id and (when they have one) by Thing, in id order. */
  function registryTable<T extends { id: Id; thingId?: Id }>(
    table: string,
    map: (r: Record<string, unknown>) => T,
  ): Promise<{ byId: Map<Id, T>; byThing: Map<Id, T[]> }> {
    let cached = registryTables.get(table)
    if (cached?.version !== registryVersion) {
      const version = registryVersion
      const rows = reads.exclusive(async (sql) => {
        const byId = new Map<Id, T>()
        const byThing = new Map<Id, T[]>()
        for (const r of await sql.rows(`SELECT * FROM ${table} ORDER BY id`)) {
          const x = map(r)
          byId.set(x.id, x)
          if (x.thingId === undefined) continue
          const list = byThing.get(x.thingId)
          if (list) list.push(x)
          else byThing.set(x.thingId, [x])
        }
        return { byId, byThing } as Cached
      })
      const entry: { version: number; rows: Promise<Cached>; value?: Cached } = { version, rows }
      registryTables.set(table, entry)
      rows.then(
        (value) => (entry.value = value),
        () => registryTables.delete(table),
      )
      cached = entry
    }
    return cached.rows as Promise<{ byId: Map<Id, T>; byThing: Map<Id, T[]> }>
  }

  /**
   * The entity of `table` with this id, or null: from the cached table when it is current, else one
   * row. A stale table is read anew in the background once the registry has been quiet for a second,
   * so that provisioning a fleet does not read it again for every lookup in between.
   */
  const byId =
    <T extends { id: Id; thingId?: Id }>(table: string, map: (r: Record<string, unknown>) => T) =>
    (id: Id): Promise<T | null> => {
      const cached = registryTables.get(table)
      if (cached?.version === registryVersion && cached.value)
        return Promise.resolve((cached.value.byId.get(id) as T | undefined) ?? null)
      if (cached?.version !== registryVersion && performance.now() - registryChangedAt >= REGISTRY_QUIET_MS)
        registryTable(table, map).catch(() => undefined) // its failure is the next caller's to see
      return reads.exclusive(async (sql) => {
        const r = await sql.one(`SELECT * FROM ${table} WHERE id = ?`, [id])
        return r ? map(r) : null
      })
    }

  /** The rows of `table` that belong to any of `thingIds`, in id order. */
  async function ofThings<T extends { id: Id; thingId: Id }>(
    table: string,
    thingIds: readonly Id[],
    map: (r: Record<string, unknown>) => T,
  ): Promise<T[]> {
    if (thingIds.length === 0) return []
    const { byThing } = await registryTable(table, map)
    return [...new Set(thingIds)].flatMap((id) => byThing.get(id) ?? []).sort((a, b) => a.id - b.id)
  }

  /** The registered ones among `deviceIds`, Thing and Datastreams in one query. */
  async function devicesIn(sql: Sql, deviceIds: readonly string[]): Promise<DeviceRecord[]> {
    if (deviceIds.length === 0) return []
    const rows = await sql.rows(
      `SELECT t.device_id, t.id, t.kind, t.properties, d.id AS datastream_id, d.key
       FROM things t LEFT JOIN (SELECT id, thing_id, key FROM datastreams
                                UNION ALL SELECT id, thing_id, key FROM multi_datastreams WHERE key IS NOT NULL) d
         ON d.thing_id = t.id
       WHERE t.device_id IN (SELECT unnest(?::VARCHAR[]))
       ORDER BY t.device_id, d.id`,
      [listValue([...deviceIds])],
    )
    const byId = new Map<string, DeviceRecord>()
    for (const r of rows) {
      const deviceId = String(r.device_id)
      let d = byId.get(deviceId)
      if (!d) {
        d = {
          deviceId,
          kind: String(r.kind),
          thingId: Number(r.id),
          datastreams: {},
          properties: parseJson<Record<string, unknown>>(r.properties) ?? {},
        }
        byId.set(deviceId, d)
      }
      if (r.datastream_id !== null) d.datastreams[String(r.key)] = Number(r.datastream_id)
    }
    return [...byId.values()]
  }

  const deviceIn = async (sql: Sql, deviceId: string): Promise<DeviceRecord | null> =>
    (await devicesIn(sql, [deviceId]))[0] ?? null

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

  /**
   * A Thing's Datastreams from its kind: `new` inserts all (a new Thing has none), `update` rewrites
   * existing ones and adds the missing, `missing` only adds those the Thing lacks.
   */
  async function putDatastreams(
    sql: Sql,
    thingId: number,
    thingName: string,
    sensor: DeviceProvision['sensor'],
    specs: DeviceProvision['datastreams'],
    mode: 'new' | 'update' | 'missing',
  ): Promise<number> {
    const have =
      mode === 'missing'
        ? new Set(
            (await sql.rows('SELECT key FROM datastreams WHERE thing_id = ?', [thingId])).map((r) =>
              String(r.key),
            ),
          )
        : new Set<string>()
    const wanted = specs.filter((d) => !have.has(d.key))
    if (wanted.length === 0) return 0
    const sensorId = await sensorOf(sql, { create: sensor })
    // DuckDB spends ~0.5 ms on any statement, so the Datastreams go in with as few as possible
    const definitions = [...new Set(wanted.map((d) => d.observedProperty.definition))]
    const opIds = new Map<string, number>()
    for (const r of await sql.rows(
      `SELECT id, definition FROM observed_properties WHERE definition IN (${definitions.map(() => '?').join(', ')})`,
      definitions,
    ))
      opIds.set(String(r.definition), Number(r.id))
    const rows: DuckDBValue[][] = []
    for (const d of wanted) {
      const op = d.observedProperty
      let opId = opIds.get(op.definition)
      if (opId === undefined) {
        const created = await sql.one(
          'INSERT INTO observed_properties (name, definition, description) VALUES (?, ?, ?) RETURNING id',
          [op.name, op.definition, op.description],
        )
        opId = Number(created?.id)
        opIds.set(op.definition, opId)
      }
      const name = `${d.name} of ${thingName}`
      const unit = json(d.unitOfMeasurement)
      // an upsert (ON CONFLICT … DO UPDATE) costs DuckDB ~3.5 ms a row; new Things cannot conflict
      const updated =
        mode === 'update'
          ? await sql.run(
              `UPDATE datastreams SET name = ?, description = ?, unit = ?, observation_type = ?
               WHERE thing_id = ? AND key = ?`,
              [name, d.description, unit, d.observationType, thingId, d.key],
            )
          : 0
      if (updated === 0)
        rows.push([thingId, sensorId, opId, d.key, name, d.description, unit, d.observationType])
    }
    if (rows.length > 0)
      await sql.run(
        `INSERT INTO datastreams (thing_id, sensor_id, observed_property_id, key, name, description, unit, observation_type)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        rows.flat(),
      )
    return rows.length
  }

  /**
   * A Thing's MultiDatastreams from its kind, by key as putDatastreams does: `update` also rewrites
   * the name, description and properties of existing ones (their ObservedProperties stay).
   */
  async function putMultiDatastreams(
    sql: Sql,
    thingId: number,
    thingName: string,
    sensor: DeviceProvision['sensor'],
    specs: readonly MultiDatastreamSpec[],
    mode: 'new' | 'update' | 'missing',
  ): Promise<number> {
    if (specs.length === 0) return 0
    const have =
      mode === 'new'
        ? new Map<string, number>()
        : new Map(
            (
              await sql.rows('SELECT id, key FROM multi_datastreams WHERE thing_id = ? AND key IS NOT NULL', [
                thingId,
              ])
            ).map((r) => [String(r.key), Number(r.id)]),
          )
    let added = 0
    for (const m of specs) {
      const multiDatastream: MultiDatastream = {
        name: `${m.name} of ${thingName}`,
        description: m.description,
        unitOfMeasurements: [...m.unitOfMeasurements],
        observationType: COMPLEX_OBSERVATION,
        multiObservationDataTypes: [...m.multiObservationDataTypes],
        ...(m.properties ? { properties: m.properties } : {}),
      }
      const id = have.get(m.key)
      if (id === undefined) {
        const observedProperties = m.observedProperties.map((create) => ({ create }))
        await createMultiDatastream(
          sql,
          thingId,
          { multiDatastream, sensor: { create: sensor }, observedProperties },
          m.key,
        )
        added++
      } else if (mode === 'update')
        await sql.run('UPDATE multi_datastreams SET name = ?, description = ?, properties = ? WHERE id = ?', [
          multiDatastream.name,
          multiDatastream.description,
          json(multiDatastream.properties),
          id,
        ])
    }
    return added
  }

  /** An entity a link names, checked inside the transaction that uses it. */
  async function linked(sql: Sql, table: string, what: string, id: Id): Promise<number> {
    if (!(await sql.one(`SELECT 1 AS ok FROM ${table} WHERE id = ?`, [id])))
      throw new LinkError(`there is no ${what} ${id} to link to`)
    return id
  }

  const sensorOf = (sql: Sql, link: Link<Sensor>) =>
    'id' in link
      ? linked(sql, 'sensors', 'Sensor', link.id)
      : idOf(
          sql,
          'SELECT id FROM sensors WHERE name = ? AND metadata = ?',
          [link.create.name, link.create.metadata],
          'INSERT INTO sensors (name, description, encoding_type, metadata) VALUES (?, ?, ?, ?)',
          [link.create.name, link.create.description, link.create.encodingType, link.create.metadata],
        )

  const observedPropertyOf = (sql: Sql, link: Link<ObservedProperty>) =>
    'id' in link
      ? linked(sql, 'observed_properties', 'ObservedProperty', link.id)
      : idOf(
          sql,
          'SELECT id FROM observed_properties WHERE definition = ?',
          [link.create.definition],
          'INSERT INTO observed_properties (name, definition, description) VALUES (?, ?, ?)',
          [link.create.name, link.create.definition, link.create.description],
        )

  /** A Thing's new Location becomes where it is now, with a HistoricalLocation (STA 10.2.1.2). */
  async function createLocation(sql: Sql, thingId: number, l: Location): Promise<number> {
    const [lon, lat] = representativePoint(l.location)
    const row = await sql.one(
      `INSERT INTO locations (thing_id, name, description, encoding_type, properties, lon, lat, geometry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [thingId, l.name, l.description, l.encodingType, json(l.properties), lon, lat, areaOf(l.location)],
    )
    const id = Number(row?.id)
    await sql.run('INSERT INTO historical_locations (thing_id, time, location_id) VALUES (?, now(), ?)', [
      thingId,
      id,
    ])
    return id
  }

  /** Datastreams made through the API get a key of their own: ingest maps device readings by kind keys. */
  async function createDatastream(sql: Sql, thingId: number, d: NewDatastream): Promise<number> {
    const [sensorId, opId] = [
      await sensorOf(sql, d.sensor),
      await observedPropertyOf(sql, d.observedProperty),
    ]
    const x = d.datastream
    const row = await sql.one(
      `INSERT INTO datastreams (thing_id, sensor_id, observed_property_id, key, name, description, unit, observation_type, properties)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        thingId,
        sensorId,
        opId,
        `sta-${randomUUID()}`,
        x.name,
        x.description,
        json(x.unitOfMeasurement),
        x.observationType,
        json(x.properties),
      ],
    )
    return Number(row?.id)
  }

  /** `key`: a device kind's name for it (see putMultiDatastreams); null when made through the API. */
  async function createMultiDatastream(
    sql: Sql,
    thingId: number,
    m: NewMultiDatastream,
    key: string | null = null,
  ): Promise<number> {
    const sensorId = await sensorOf(sql, m.sensor)
    const opIds: number[] = []
    for (const op of m.observedProperties) opIds.push(await observedPropertyOf(sql, op))
    const x = m.multiDatastream
    const row = await sql.one(
      `INSERT INTO multi_datastreams (thing_id, sensor_id, name, description, units, data_types, properties, key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        thingId,
        sensorId,
        x.name,
        x.description,
        json(x.unitOfMeasurements),
        json(x.multiObservationDataTypes),
        json(x.properties),
        key,
      ],
    )
    const id = Number(row?.id)
    await sql.run(
      `INSERT INTO multi_datastream_properties (multi_datastream_id, position, observed_property_id)
       VALUES ${opIds.map(() => '(?, ?, ?)').join(', ')}`,
      opIds.flatMap((op, i) => [id, i, op]),
    )
    return id
  }

  async function createThing(sql: Sql, t: NewThing): Promise<number> {
    const row = await sql.one(
      'INSERT INTO things (name, description, properties) VALUES (?, ?, ?) RETURNING id',
      [t.thing.name, t.thing.description, json(t.thing.properties)],
    )
    const thingId = Number(row?.id)
    for (const l of t.locations) await createLocation(sql, thingId, l)
    for (const d of t.datastreams) await createDatastream(sql, thingId, d)
    for (const m of t.multiDatastreams ?? []) await createMultiDatastream(sql, thingId, m)
    return thingId
  }

  /** The Thing a (Multi)Datastream links to, or is created with. */
  const thingOf = (sql: Sql, link: Link<NewThing>) =>
    'id' in link ? linked(sql, 'things', 'Thing', link.id) : createThing(sql, link.create)

  async function createIn(sql: Sql, e: NewEntity): Promise<number> {
    switch (e.set) {
      case 'Things':
        return createThing(sql, e.thing)
      case 'Locations':
        return createLocation(sql, await linked(sql, 'things', 'Thing', e.thingId), e.location)
      case 'Sensors':
        if (
          await sql.one('SELECT id FROM sensors WHERE name = ? AND metadata = ?', [
            e.sensor.name,
            e.sensor.metadata,
          ])
        )
          throw new ConflictError('a Sensor with this name and metadata exists')
        return sensorOf(sql, { create: e.sensor })
      case 'ObservedProperties':
        if (
          await sql.one('SELECT id FROM observed_properties WHERE definition = ?', [
            e.observedProperty.definition,
          ])
        )
          throw new ConflictError('an ObservedProperty with this definition exists')
        return observedPropertyOf(sql, { create: e.observedProperty })
      case 'Datastreams':
        return createDatastream(sql, await thingOf(sql, e.thing), e.datastream)
      case 'MultiDatastreams':
        return createMultiDatastream(sql, await thingOf(sql, e.thing), e.multiDatastream)
    }
  }

  const store: Store = {
    create: (e) => afterRegistryChange(conn.transaction((sql) => createIn(sql, e))),

    provisionDevice: (p: DeviceProvision) =>
      afterRegistryChange(
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
          } else {
            const row = await sql.one(
              'INSERT INTO things (device_id, kind, name, description, properties) VALUES (?, ?, ?, ?, ?) RETURNING id',
              [p.deviceId, p.kind, p.thing.name, p.thing.description, json(p.thing.properties)],
            )
            thingId = Number(row?.id)
          }
          const place = [
            p.location.name,
            p.location.description,
            p.location.encodingType,
            json(p.location.properties),
          ]
          const current = existing
            ? await sql.one('SELECT id, lon, lat FROM current_locations WHERE thing_id = ?', [thingId])
            : null
          if (current && Number(current.lon) === lon && Number(current.lat) === lat) {
            // same place, perhaps a new name or address: no move, no HistoricalLocation
            await sql.run(
              'UPDATE locations SET name = ?, description = ?, encoding_type = ?, properties = ? WHERE id = ?',
              [...place, Number(current.id)],
            )
          } else {
            // first placement or a move: a new Location; the old one stays, reachable through history
            const loc = await sql.one(
              `INSERT INTO locations (thing_id, name, description, encoding_type, properties, lon, lat)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
              [thingId, ...place, lon, lat],
            )
            await sql.run(
              'INSERT INTO historical_locations (thing_id, time, location_id) VALUES (?, now(), ?)',
              [thingId, Number(loc?.id)],
            )
          }
          await putDatastreams(
            sql,
            thingId,
            p.thing.name,
            p.sensor,
            p.datastreams,
            existing ? 'update' : 'new',
          )
          await putMultiDatastreams(
            sql,
            thingId,
            p.thing.name,
            p.sensor,
            p.multiDatastreams ?? [],
            existing ? 'update' : 'new',
          )
          // delete + insert: DuckDB's upsert costs milliseconds a row
          await sql.run('DELETE FROM device_registrations WHERE device_id = ?', [p.deviceId])
          await sql.run(
            `INSERT INTO device_registrations (device_id, kind, name, description, properties, location_name,
             location_description, location_properties, lon, lat, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())`,
            [
              p.deviceId,
              p.kind,
              p.thing.name,
              p.thing.description,
              json(p.thing.properties),
              p.location.name,
              p.location.description,
              json(p.location.properties),
              lon,
              lat,
            ],
          )
          const device = await deviceIn(sql, p.deviceId)
          if (!device) throw new Error(`provisioned device ${p.deviceId} not found`)
          return device
        }),
      ),

    ensureDatastreams: (deviceId, sensor, specs, multiSpecs = []) =>
      afterRegistryChange(
        conn.transaction(async (sql) => {
          const thing = await sql.one('SELECT id, name FROM things WHERE device_id = ?', [deviceId])
          if (!thing) return null
          const added = await putDatastreams(
            sql,
            Number(thing.id),
            String(thing.name),
            sensor,
            specs,
            'missing',
          )
          const addedMulti = await putMultiDatastreams(
            sql,
            Number(thing.id),
            String(thing.name),
            sensor,
            multiSpecs,
            'missing',
          )
          const device = await deviceIn(sql, deviceId)
          return device ? { device, added: added + addedMulti } : null
        }),
      ),
    device: (deviceId) => conn.exclusive((sql) => deviceIn(sql, deviceId)),
    devices: (deviceIds) => conn.exclusive((sql) => devicesIn(sql, deviceIds)),
    registrations: (deviceIds) =>
      conn.exclusive(async (sql) =>
        deviceIds.length === 0
          ? []
          : (
              await sql.rows(
                `SELECT * FROM device_registrations WHERE device_id IN (${deviceIds.map(() => '?').join(', ')})`,
                [...deviceIds],
              )
            ).map(toRegistration),
      ),

    things: (p) => reads.exclusive((sql) => page(sql, 'things', [], p, toThing, THING_COLUMNS)),
    thing: byId('things', toThing),
    locations: (p, thingId) =>
      reads.exclusive((sql) =>
        thingId === undefined
          ? page(sql, 'locations', [], p, toLocation, LOCATION_COLUMNS)
          : page(sql, 'current_locations WHERE thing_id = ?', [thingId], p, toLocation, LOCATION_COLUMNS),
      ),
    historicalLocations: (p, of) =>
      reads.exclusive((sql) =>
        page(
          sql,
          of === undefined
            ? 'historical_locations'
            : `historical_locations WHERE ${'thingId' in of ? 'thing_id' : 'location_id'} = ?`,
          of === undefined ? [] : ['thingId' in of ? of.thingId : of.locationId],
          p,
          toHistoricalLocation,
          HISTORICAL_LOCATION_COLUMNS,
          'id, thing_id, location_id, epoch_ms(time) AS time_ms',
          'time DESC, id DESC',
        ),
      ),
    historicalLocation: (id) =>
      reads.exclusive(async (sql) => {
        const r = await sql.one(
          'SELECT id, thing_id, location_id, epoch_ms(time) AS time_ms FROM historical_locations WHERE id = ?',
          [id],
        )
        return r ? toHistoricalLocation(r) : null
      }),
    location: byId('locations', toLocation),
    datastreams: (p, of) =>
      reads.exclusive((sql) => {
        if (!of) return page(sql, 'datastreams', [], p, toDatastream, DATASTREAM_COLUMNS)
        const [column, id] =
          'thingId' in of
            ? ['thing_id', of.thingId]
            : 'sensorId' in of
              ? ['sensor_id', of.sensorId]
              : ['observed_property_id', of.observedPropertyId]
        return page(sql, `datastreams WHERE ${column} = ?`, [id], p, toDatastream, DATASTREAM_COLUMNS)
      }),
    sensors: (p) => reads.exclusive((sql) => page(sql, 'sensors', [], p, toSensor, SENSOR_COLUMNS)),
    observedProperties: (p) =>
      reads.exclusive((sql) =>
        page(sql, 'observed_properties', [], p, toObservedProperty, OBSERVED_PROPERTY_COLUMNS),
      ),
    datastream: byId('datastreams', toDatastream),
    multiDatastreams: (p, of) =>
      reads.exclusive((sql) => {
        const from = 'multi_datastreams_with_properties'
        if (!of) return page(sql, from, [], p, toMultiDatastream, MULTI_DATASTREAM_COLUMNS)
        const [where, id] =
          'thingId' in of
            ? ['thing_id = ?', of.thingId]
            : 'sensorId' in of
              ? ['sensor_id = ?', of.sensorId]
              : ['list_contains(observed_property_ids, ?)', of.observedPropertyId]
        return page(sql, `${from} WHERE ${where}`, [id], p, toMultiDatastream, MULTI_DATASTREAM_COLUMNS)
      }),
    multiDatastream: byId('multi_datastreams_with_properties', toMultiDatastream),
    multiDatastreamsOfThings: (thingIds) =>
      ofThings('multi_datastreams_with_properties', thingIds, toMultiDatastream),
    datastreamsOfThings: (thingIds) => ofThings('datastreams', thingIds, toDatastream),
    locationsOfThings: (thingIds) => ofThings('current_locations', thingIds, toLocation),
    sensor: byId('sensors', toSensor),
    observedProperty: byId('observed_properties', toObservedProperty),

    async patch(set, id, values) {
      const spec = PATCHABLE[set]
      const assignments: string[] = []
      const params: DuckDBValue[] = []
      for (const [name, value] of Object.entries(values)) {
        const c = spec.columns[name]
        if (!c) throw new UnsupportedQueryError(`${set} have no property ${name} that can be changed`)
        if (c === 'point') {
          const [lon, lat] = representativePoint(value as LocationGeometry)
          assignments.push('lon = ?', 'lat = ?', 'geometry = ?')
          params.push(lon, lat, areaOf(value as LocationGeometry))
        } else {
          assignments.push(`${c.column} = ?${c.cast ?? ''}`)
          params.push(c.json ? json(value) : (value as DuckDBValue))
        }
      }
      try {
        return await afterRegistryChange(
          conn.transaction(async (sql) => {
            if (!(await sql.one(`SELECT 1 AS x FROM ${spec.table} WHERE id = ?`, [id]))) return false
            if (assignments.length > 0)
              await sql.run(`UPDATE ${spec.table} SET ${assignments.join(', ')} WHERE id = ?`, [
                ...params,
                id,
              ])
            return true
          }),
        ).then((found) => {
          if (found && assignments.length > 0) feed.updated(set, id, Object.keys(values))
          return found
        })
      } catch (err) {
        if (/^Constraint Error/.test((err as Error).message ?? ''))
          throw new ConflictError(
            `${set}(${id}) would then equal another entity: ${(err as Error).message.split('\n')[0]}`,
          )
        throw err
      }
    },

    async remove(set, id, opts) {
      const table = PATCHABLE[set].table
      const going: Id[] = []
      const removed = await afterRegistryChange(
        conn.transaction(async (sql) => {
          if (!(await sql.one(`SELECT 1 AS x FROM ${table} WHERE id = ?`, [id]))) return false
          const streams = DATASTREAMS_OF[set]
          if (streams) going.push(...(await sql.rows(streams, [id])).map((r) => Number(r.id)))
          if (going.length > 0) {
            await opts?.datastreamsGoing?.(going)
            const ids = listValue(going)
            for (const [t, column] of STREAM_TABLES)
              await sql.run(`DELETE FROM ${t} WHERE ${column} IN (SELECT unnest(?::INTEGER[]))`, [ids])
          }
          if (set === 'Things')
            for (const t of ['historical_locations', 'locations'])
              await sql.run(`DELETE FROM ${t} WHERE thing_id = ?`, [id])
          if (set === 'Locations')
            await sql.run('DELETE FROM historical_locations WHERE location_id = ?', [id])
          await sql.run(`DELETE FROM ${table} WHERE id = ?`, [id])
          return true
        }),
      )
      if (removed) latest.forget(going)
      return removed
    },

    watchRegistry: (listener, onError) => feed.watch(listener, onError),
    putMqttAccount: (a) =>
      conn.exclusive(async (sql) => {
        await sql.run(
          `INSERT INTO mqtt_accounts (username, password_hash, role, device_id, network, issued_at)
             VALUES (?, ?, ?, ?, ?, now())
           ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role,
             device_id = excluded.device_id, network = excluded.network, issued_at = excluded.issued_at`,
          [a.username, a.passwordHash, a.role, a.deviceId, a.network ?? null],
        )
      }),
    mqttAccount: (username) =>
      conn.exclusive(async (sql) => {
        const r = await sql.one(`${MQTT_ACCOUNT_SELECT} WHERE username = ?`, [username])
        return r ? mqttAccountOf(r) : null
      }),
    mqttAccounts: () =>
      conn.exclusive(async (sql) =>
        (await sql.rows(`${MQTT_ACCOUNT_SELECT} ORDER BY username`)).map(mqttAccountOf),
      ),
    deleteMqttAccount: (username) =>
      conn.exclusive(
        async (sql) =>
          (await sql.one('DELETE FROM mqtt_accounts WHERE username = ? RETURNING username', [username])) !==
          null,
      ),

    async appendObservations(obs: readonly NewObservation[]) {
      const rows = await conn.transaction((sql) => insertObservations(conn.conn, sql, obs))
      const newest = newestPerDatastream(rows)
      latest.stored(newest)
      return { inserted: rows.length }
    },

    latestObservations: (ids) => latest.get(ids),
    firstObservationTimes: (ids) => firstTimes(reads, ids),

    async createObservations(obs) {
      if (obs.length === 0) return []
      const keys = [
        listValue(obs.map((o) => o.datastreamId)),
        listValue(obs.map((o) => new Date(o.phenomenonTime).toISOString())),
      ]
      // what each key holds, one row per (Datastream, phenomenonTime)
      const stored = (sql: Sql) =>
        sql.rows(
          `SELECT ${OBSERVATION_COLUMNS} FROM all_observations o
           JOIN (SELECT unnest(?::INTEGER[]) AS k_ds, unnest(?::VARCHAR[])::TIMESTAMPTZ AS k_t) k
             ON o.datastream_id = k.k_ds AND o.phenomenon_time = k.k_t`,
          keys,
        )
      const key = (ds: unknown, ms: number) => `${Number(ds)}@${ms}`
      const [before, after] = await conn.transaction(async (sql) => {
        const existing = await stored(sql)
        await insertObservations(conn.conn, sql, obs)
        return [existing, await stored(sql)]
      })
      latest.appended(obs)
      const existed = new Set(before.map((r) => key(r.datastream_id, Number(r.phenomenon_ms))))
      const byKey = new Map(
        after.map((r) => [key(r.datastream_id, Number(r.phenomenon_ms)), toObservation(r)]),
      )
      const seen = new Set<string>()
      return obs.map((o) => {
        const k = key(o.datastreamId, Date.parse(o.phenomenonTime))
        // the first of repeated keys in one call is the one stored (see insertObservations)
        const created = !existed.has(k) && !seen.has(k)
        seen.add(k)
        return { observation: byKey.get(k)!, created }
      })
    },

    async patchObservation(id, values) {
      const assignments: string[] = []
      const params: DuckDBValue[] = []
      const set = (column: string, value: DuckDBValue, cast = '') => {
        assignments.push(`${column} = ?${cast}`)
        params.push(value)
      }
      if (values.phenomenonTime !== undefined) set('phenomenon_time', values.phenomenonTime, '::TIMESTAMPTZ')
      if (values.resultTime !== undefined) set('result_time', values.resultTime, '::TIMESTAMPTZ')
      const result = values.result
      if (result !== undefined) {
        set('result_number', typeof result === 'number' ? result : null)
        set('result_json', typeof result === 'number' ? null : JSON.stringify(result))
      }
      if (values.resultQuality !== undefined) set('result_quality', values.resultQuality)
      const ds = await conn.transaction(async (sql) => {
        const found = await sql.one('SELECT datastream_id FROM all_observations WHERE id = ?', [id])
        if (!found) return null
        const stream = Number(found.datastream_id)
        if (
          values.phenomenonTime !== undefined &&
          (await sql.one(
            `SELECT 1 AS taken FROM all_observations
             WHERE datastream_id = ? AND phenomenon_time = ?::TIMESTAMPTZ AND id <> ?`,
            [stream, values.phenomenonTime, id],
          ))
        )
          throw new ConflictError(
            `the stream of Observation ${id} already has one at ${values.phenomenonTime}`,
          )
        if (assignments.length > 0)
          for (const table of ['observations', 'observations_archive'])
            await sql.run(`UPDATE ${table} SET ${assignments.join(', ')} WHERE id = ?`, [...params, id])
        return stream
      })
      if (ds === null) return null
      latest.forget([ds]) // its newest may have changed: read again when asked
      const names = Object.keys(values)
      if (names.length > 0) feed.updated('Observations', id, names)
      return store.observation(id)
    },

    async deleteObservation(id) {
      const ds = await conn.transaction(async (sql) => {
        const found = await sql.one('SELECT datastream_id FROM all_observations WHERE id = ?', [id])
        if (!found) return null
        await sql.run('DELETE FROM observations WHERE id = ?', [id])
        await sql.run('DELETE FROM observations_archive WHERE id = ?', [id])
        return Number(found.datastream_id)
      })
      if (ds === null) return false
      latest.forget([ds])
      return true
    },

    async compactObservations(beforeMs) {
      const before = 'phenomenon_time < make_timestamptz(?::BIGINT * 1000)'
      const counts = await conn.exclusive((sql) =>
        sql.rows(
          `SELECT datastream_id, count(*) AS n FROM observations WHERE ${before} GROUP BY 1 ORDER BY 1`,
          [beforeMs],
        ),
      )
      // consecutive Datastreams, up to stepRows rows a step
      const total = counts.reduce((n, r) => n + Number(r.n), 0)
      const stepRows = Math.min(COMPACT_STEP_ROWS.max, Math.max(COMPACT_STEP_ROWS.min, total / 10))
      const steps: Array<[number, number]> = []
      let rows = 0
      for (const r of counts) {
        const ds = Number(r.datastream_id)
        const last = steps.at(-1)
        if (last && rows + Number(r.n) <= stepRows) last[1] = ds
        else {
          steps.push([ds, ds])
          rows = 0
        }
        rows += Number(r.n)
      }
      let moved = 0
      for (const range of steps) {
        moved += await conn.transaction(async (sql) => {
          const where = `${before} AND datastream_id BETWEEN ? AND ?`
          const n = await sql.run(
            `INSERT INTO observations_archive
             SELECT id, datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality
             FROM observations WHERE ${where} ORDER BY datastream_id, phenomenon_time, id`,
            [beforeMs, ...range],
          )
          await sql.run(`DELETE FROM observations WHERE ${where}`, [beforeMs, ...range])
          return n
        })
      }
      if (moved > 0) await conn.exclusive((sql) => sql.run('CHECKPOINT'))
      return { moved }
    },
    aggregateObservations: (id, q) => series.aggregate(id, q),
    recentObservations: () =>
      reads.exclusive(async (sql) => Number((await sql.one('SELECT count(*) AS n FROM observations'))!.n)),

    observations: (datastreamId, p) =>
      isLatestOnly(p)
        ? latest.get([datastreamId]).then((found) => latestPage(found.get(datastreamId)))
        : reads.exclusive((sql) =>
            page(
              sql,
              OBSERVATIONS_OF,
              [datastreamId],
              p,
              toObservation,
              OBSERVATION_QUERY_COLUMNS,
              OBSERVATION_COLUMNS,
              NEWEST_FIRST,
            ),
          ),

    allObservations: (p) => {
      const pinned = pinnedDatastream(p.filter)
      // one Datastream named by the filter: its own path (the latest-value index, its zone maps)
      if (pinned) return store.observations(pinned.id, withFilter(p, pinned.rest))
      return reads.exclusive((sql) =>
        page(
          sql,
          'all_observations',
          [],
          p,
          toObservation,
          OBSERVATION_QUERY_COLUMNS,
          OBSERVATION_COLUMNS,
          NEWEST_FIRST,
        ),
      )
    },

    async observationColumns(datastreamId, p) {
      const pinned = datastreamId === null ? pinnedDatastream(p.filter) : null
      if (pinned) return store.observationColumns!(pinned.id, withFilter(p, pinned.rest))
      // the newest one alone comes from the latest-value index
      if (datastreamId !== null && isLatestOnly(p)) return undefined
      const q = pageQuery(
        datastreamId === null ? 'all_observations' : OBSERVATIONS_OF,
        datastreamId === null ? [] : [datastreamId],
        p,
        OBSERVATION_QUERY_COLUMNS,
        OBSERVATION_COLUMNS_AS_NUMBERS,
        NEWEST_FIRST,
      )
      if (!('rows' in q)) return undefined
      const { rows, count } = await reads.exclusive((sql) =>
        runPage(
          sql,
          q,
          p,
          async (text, values) => observationColumnsOf(await sql.chunks(text, values), p.top),
          (c) => c.rows,
        ),
      )
      return { columns: rows.columns, count }
    },

    observation: (id) =>
      reads.exclusive(async (sql) => {
        const r = await sql.one(`SELECT ${OBSERVATION_COLUMNS} FROM all_observations WHERE id = ?`, [id])
        return r ? toObservation(r) : null
      }),

    async latestOfKind(kind, key) {
      const rows = await reads.exclusive((sql) =>
        sql.rows(
          `SELECT t.id AS thing_id, t.device_id, t.name, t.properties, l.lon, l.lat, d.id AS datastream_id
           FROM things t
           JOIN current_locations l ON l.thing_id = t.id
           LEFT JOIN datastreams d ON d.thing_id = t.id AND d.key = ?
           WHERE t.kind = ?
           ORDER BY t.id`,
          [key, kind],
        ),
      )
      const streams = rows.flatMap((r) => (r.datastream_id === null ? [] : [Number(r.datastream_id)]))
      const newest = await latest.get(streams) // the latest-value index, outside the connection's turn
      return rows.map((r): LatestOfKind => {
        const o = r.datastream_id === null ? undefined : newest.get(Number(r.datastream_id))?.observation
        return {
          thingId: Number(r.thing_id),
          deviceId: String(r.device_id),
          name: String(r.name),
          properties: parseJson<Record<string, unknown>>(r.properties) ?? {},
          coordinates: [Number(r.lon), Number(r.lat)],
          datastreamId: r.datastream_id === null ? null : Number(r.datastream_id),
          result: o ? o.result : null,
          phenomenonTime: o ? o.phenomenonTime : null,
        }
      })
    },

    quarantine: (entries) =>
      conn.transaction(async (sql) => ({ inserted: await insertQuarantine(sql, entries) })),
    quarantined: (p, category) => reads.exclusive((sql) => listQuarantine(sql, p, category)),
    quarantineCounts: () => reads.exclusive((sql) => countQuarantine(sql)),

    close: async () => {
      if (closed) return
      closed = true
      for (const r of reads.connections) await r.exclusive(async () => r.conn.closeSync())
      await conn.exclusive(async (sql) => {
        await sql.run('CHECKPOINT')
        conn.conn.closeSync()
      })
      instance.closeSync()
    },
  }
  return { store, conn, reads }
}
