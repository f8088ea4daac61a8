/** Observations, once per Datastream and phenomenonTime (see DROP_OBSERVATIONS_UNIQUE). */
const OBSERVATIONS_COLUMNS = `(
    id BIGINT PRIMARY KEY DEFAULT nextval('observation_ids'),
    datastream_id INTEGER NOT NULL,
    phenomenon_time TIMESTAMPTZ NOT NULL,
    result_time TIMESTAMPTZ NOT NULL,
    result_number DOUBLE,
    result_json VARCHAR,
    result_quality VARCHAR
  )`

/**
 * Things' current Locations: earlier ones stay as Locations, reachable through HistoricalLocations.
 * Made again after MIGRATIONS: a view keeps the columns its table had when it was made.
 */
export const CURRENT_LOCATIONS_VIEW = `CREATE OR REPLACE VIEW current_locations AS
    SELECT l.* FROM locations l
    WHERE l.id IN (SELECT arg_max(h.location_id, h.id) FROM historical_locations h GROUP BY h.thing_id)`

/** MultiDatastreams with their ObservedProperties in order. Made again after MIGRATIONS, like the above. */
export const MULTI_DATASTREAMS_VIEW = `CREATE OR REPLACE VIEW multi_datastreams_with_properties AS
    SELECT m.*, (SELECT list(p.observed_property_id ORDER BY p.position) FROM multi_datastream_properties p
                 WHERE p.multi_datastream_id = m.id) AS observed_property_ids
    FROM multi_datastreams m`

/**
 * DDL of the embedded store. Every statement is idempotent, so opening an existing file is safe.
 * Schema changes are never left in DuckDB's own WAL: the store checkpoints right after them, because
 * DuckDB 1.5 cannot replay an ALTER TABLE from its WAL after a crash (data after it is lost, or the
 * replay fails with "GetDefaultDatabase with no default database set").
 */
export const SCHEMA = [
  `SET TimeZone = 'UTC'`,
  `CREATE SEQUENCE IF NOT EXISTS thing_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS location_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS sensor_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS observed_property_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS datastream_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS observation_ids START 1`,
  `CREATE SEQUENCE IF NOT EXISTS historical_location_ids START 1`,
  `CREATE TABLE IF NOT EXISTS things (
    id INTEGER PRIMARY KEY DEFAULT nextval('thing_ids'),
    device_id VARCHAR UNIQUE,
    kind VARCHAR,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    properties JSON
  )`,
  `CREATE TABLE IF NOT EXISTS locations (
    id INTEGER PRIMARY KEY DEFAULT nextval('location_ids'),
    thing_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    encoding_type VARCHAR NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    properties JSON,
    geometry JSON
  )`,
  /** Where a Thing was from `time` on (STA HistoricalLocation); the newest row names its current Location. */
  `CREATE TABLE IF NOT EXISTS historical_locations (
    id INTEGER PRIMARY KEY DEFAULT nextval('historical_location_ids'),
    thing_id INTEGER NOT NULL,
    time TIMESTAMPTZ NOT NULL,
    location_id INTEGER NOT NULL
  )`,
  CURRENT_LOCATIONS_VIEW,
  /** Files made before HistoricalLocations existed: each Thing's one Location becomes its first entry. */
  `INSERT INTO historical_locations (thing_id, time, location_id)
    SELECT l.thing_id, now(), l.id FROM locations l
    WHERE NOT EXISTS (SELECT 1 FROM historical_locations h WHERE h.thing_id = l.thing_id)`,
  `CREATE TABLE IF NOT EXISTS sensors (
    id INTEGER PRIMARY KEY DEFAULT nextval('sensor_ids'),
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    encoding_type VARCHAR NOT NULL,
    metadata VARCHAR NOT NULL,
    UNIQUE (name, metadata)
  )`,
  `CREATE TABLE IF NOT EXISTS observed_properties (
    id INTEGER PRIMARY KEY DEFAULT nextval('observed_property_ids'),
    name VARCHAR NOT NULL,
    definition VARCHAR NOT NULL UNIQUE,
    description VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS datastreams (
    id INTEGER PRIMARY KEY DEFAULT nextval('datastream_ids'),
    thing_id INTEGER NOT NULL,
    sensor_id INTEGER NOT NULL,
    observed_property_id INTEGER NOT NULL,
    key VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    unit JSON NOT NULL,
    observation_type VARCHAR NOT NULL,
    properties JSON,
    UNIQUE (thing_id, key)
  )`,
  /**
   * STA MultiDatastreams. Ids come from the Datastreams' sequence, so an Observation's datastream_id
   * names a Datastream or a MultiDatastream, never both; their results are JSON arrays.
   */
  `CREATE TABLE IF NOT EXISTS multi_datastreams (
    id INTEGER PRIMARY KEY DEFAULT nextval('datastream_ids'),
    thing_id INTEGER NOT NULL,
    sensor_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    units JSON NOT NULL,
    data_types JSON NOT NULL,
    properties JSON
  )`,
  /** A MultiDatastream's ObservedProperties, in the order of its results' elements. */
  `CREATE TABLE IF NOT EXISTS multi_datastream_properties (
    multi_datastream_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    observed_property_id INTEGER NOT NULL,
    PRIMARY KEY (multi_datastream_id, position)
  )`,
  MULTI_DATASTREAMS_VIEW,
  `CREATE TABLE IF NOT EXISTS observations ${OBSERVATIONS_COLUMNS}`,
  /**
   * Observations moved out of \`observations\` by compaction (see compactObservations), sorted by
   * Datastream and time within each move, so that DuckDB's per-row-group min/max skip all but a few
   * row groups when one Datastream is read. \`observations\` keeps the recent ones in arrival order.
   */
  `CREATE TABLE IF NOT EXISTS observations_archive (
    id BIGINT NOT NULL,
    datastream_id INTEGER NOT NULL,
    phenomenon_time TIMESTAMPTZ NOT NULL,
    result_time TIMESTAMPTZ NOT NULL,
    result_number DOUBLE,
    result_json VARCHAR,
    result_quality VARCHAR
  )`,
  /** The last provisioning of each device (see DeviceRegistration): it outlives a deleted Thing. */
  `CREATE TABLE IF NOT EXISTS device_registrations (
    device_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    properties JSON,
    location_name VARCHAR NOT NULL,
    location_description VARCHAR NOT NULL,
    location_properties JSON,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
  )`,
  /** Files made before registrations were kept: each device's Thing and current Location are its registration. */
  `INSERT INTO device_registrations
    SELECT t.device_id, t.kind, t.name, t.description, t.properties,
      l.name, l.description, l.properties, l.lon, l.lat, now()
    FROM things t JOIN current_locations l ON l.thing_id = t.id
    WHERE t.device_id IS NOT NULL AND t.kind IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM device_registrations r WHERE r.device_id = t.device_id)`,
  `CREATE TABLE IF NOT EXISTS mqtt_accounts (
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    device_id VARCHAR,
    network VARCHAR,
    issued_at TIMESTAMPTZ
  )`,
] as const

/**
 * Observations are unique per (datastream, phenomenonTime), enforced by the writer's anti-join, not by a
 * UNIQUE index: DuckDB's ART index on that pair made every batch insert slower as the table grew
 * (3,000 rows: 24 ms empty → 1.4 s at 180,000 rows), the anti-join stays flat (~20 ms).
 * Files made before dropped the index this way (DuckDB cannot drop a constraint in place).
 */
export const DROP_OBSERVATIONS_UNIQUE = [
  `CREATE TABLE observations_new ${OBSERVATIONS_COLUMNS}`,
  `INSERT INTO observations_new SELECT id, datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality FROM observations`,
  `DROP TABLE observations`,
  `ALTER TABLE observations_new RENAME TO observations`,
]

/** Columns added after a table first shipped: added with ALTER, then checkpointed (see above). */
export const MIGRATIONS: ReadonlyArray<{ table: string; column: string; ddl: string }> = [
  {
    table: 'observations',
    column: 'result_quality',
    ddl: 'ALTER TABLE observations ADD COLUMN result_quality VARCHAR',
  },
  /** An area's GeoJSON (Polygon, MultiPolygon); null for a point, which lon/lat hold. */
  { table: 'locations', column: 'geometry', ddl: 'ALTER TABLE locations ADD COLUMN geometry JSON' },
  /** A device kind's name for a MultiDatastream it declares (like datastreams.key); null when made through the API. */
  { table: 'multi_datastreams', column: 'key', ddl: 'ALTER TABLE multi_datastreams ADD COLUMN key VARCHAR' },
  { table: 'mqtt_accounts', column: 'network', ddl: 'ALTER TABLE mqtt_accounts ADD COLUMN network VARCHAR' },
  {
    table: 'mqtt_accounts',
    column: 'issued_at',
    ddl: 'ALTER TABLE mqtt_accounts ADD COLUMN issued_at TIMESTAMPTZ',
  },
]

/** Every Observation, recent and compacted: what reads use. Created after MIGRATIONS ran. */
export const ALL_OBSERVATIONS_VIEW = `CREATE OR REPLACE VIEW all_observations AS
  SELECT id, datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality FROM observations
  UNION ALL
  SELECT id, datastream_id, phenomenon_time, result_time, result_number, result_json, result_quality FROM observations_archive`
