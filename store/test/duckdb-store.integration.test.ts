import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openDuckDbStore, type DeviceProvision, type RegistryChange, type Store } from '../src/index.ts'
import { sampleProvision } from '../src/testing.ts'
import { openDuckDb } from '../src/duckdb/duckdb-store.ts'

function provision(deviceId: string, lon = 11.5755, lat = 48.1374): DeviceProvision {
  return sampleProvision(deviceId, { lon, lat, address: 'Marienplatz 1' })
}

const at = (min: number) => new Date(Date.UTC(2026, 10, 23, 8, min)).toISOString()

describe('DuckDB store (real embedded engine, file on disk)', () => {
  const dirs: string[] = []
  const stores: Store[] = []
  async function open(dir = mkdtempSync(join(tmpdir(), 'ut-store-'))) {
    dirs.push(dir)
    const store = await openDuckDbStore({ path: join(dir, 'urbantwin.duckdb') })
    stores.push(store)
    return { store, dir }
  }
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('lists Datastreams and current Locations of many Things at once, current after every provisioning', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(provision('m-1'))
    const ids = (await store.datastreamsOfThings([a.thingId])).map((d) => d.id)
    expect(ids).toEqual(Object.values(a.datastreams).sort((x, y) => x - y))
    const b = await store.provisionDevice(provision('m-2', 11.6, 48.2))
    const both = await store.datastreamsOfThings([b.thingId, a.thingId, 424242])
    expect(both.map((d) => d.thingId).sort()).toEqual(
      [...Array(2).fill(a.thingId), ...Array(2).fill(b.thingId)].sort(),
    )
    // a move shows at once: the current Location only
    await store.provisionDevice(provision('m-2', 11.7, 48.3))
    const located = await store.locationsOfThings([a.thingId, b.thingId])
    expect(located.map((l) => [l.thingId, l.location.coordinates])).toEqual([
      [a.thingId, [11.5755, 48.1374]],
      [b.thingId, [11.7, 48.3]],
    ])
    // a kind that gained a stream
    const kind = sampleProvision('m-1')
    const extra = { ...kind.datastreams[0]!, key: 'extra', name: 'Extra' }
    await store.ensureDatastreams('m-1', kind.sensor, [...kind.datastreams, extra])
    expect((await store.datastreamsOfThings([a.thingId])).map((d) => d.key).sort()).toEqual([
      'extra',
      'fillingLevel',
      'temperature',
    ])
  })

  it("runs DuckDB with the worker threads it is given, or DuckDB's default", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-store-'))
    dirs.push(dir)
    const threadsOf = async (threads?: number) => {
      const { store, conn } = await openDuckDb({
        path: join(dir, `t-${threads}.duckdb`),
        ...(threads ? { threads } : {}),
      })
      stores.push(store)
      return Number((await conn.exclusive((sql) => sql.one("SELECT current_setting('threads') AS t")))!.t)
    }
    expect(await threadsOf(1)).toBe(1)
    expect(await threadsOf(3)).toBe(3)
    expect(await threadsOf()).toBeGreaterThanOrEqual(1)
  })

  it('looks entities up by id from a cached table, current after every change', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(provision('c-1'))
    const ds = a.datastreams.fillingLevel!
    const quiet = () => new Promise((r) => setTimeout(r, 1100)) // the registry unchanged for a second
    await quiet()
    // the first lookup reads one row and the table in the background; later ones find it cached
    for (let i = 0; i < 3; i++) {
      expect((await store.datastream(ds))?.id).toBe(ds)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(await store.datastream(999_999)).toBeNull()
    expect(await store.patch('Datastreams', ds, { name: 'renamed' })).toBe(true)
    expect((await store.datastream(ds))?.name).toBe('renamed')
    expect((await store.thing(a.thingId))?.id).toBe(a.thingId)
    const b = await store.provisionDevice(provision('c-2'))
    expect((await store.datastream(b.datastreams.fillingLevel!))?.thingId).toBe(b.thingId)
    await quiet()
    expect((await store.datastream(b.datastreams.fillingLevel!))?.thingId).toBe(b.thingId)
    await new Promise((r) => setTimeout(r, 50))
    expect((await store.datastream(ds))?.name).toBe('renamed')
    await store.remove('Datastreams', ds)
    expect(await store.datastream(ds)).toBeNull()
    expect((await store.datastream(b.datastreams.fillingLevel!))?.thingId).toBe(b.thingId)
  })

  it('tells each committed creation and change once, in order, and nothing from before it watched', async () => {
    const { store } = await open()
    const before = await store.provisionDevice(provision('w-0'))
    const told: RegistryChange[] = []
    const errors: unknown[] = []
    const stop = store.watchRegistry(
      (changes) => told.push(...changes),
      (err) => errors.push(err),
    )
    const a = await store.provisionDevice(provision('w-1', 11.6, 48.2))
    await store.provisionDevice(provision('w-1', 11.7, 48.3)) // moved: a Location and a HistoricalLocation
    const thingId = await store.create({
      set: 'Things',
      thing: { thing: { name: 'deep', description: 'd' }, locations: [], datastreams: [] },
    })
    expect(await store.patch('Things', thingId, { name: 'deeper', description: 'e' })).toBe(true)
    expect(await store.patch('Things', 999_999, { name: 'none' })).toBe(false)
    await expect(
      store.create({ set: 'Locations', thingId: 999_999, location: provision('x').location }),
    ).rejects.toThrow(/no Thing/)
    await vi.waitFor(() => expect(told.at(-1)).toMatchObject({ change: 'updated' }))
    const created = (set: string) => told.filter((c) => c.change === 'created' && c.set === set)
    expect(created('Things').map((c) => c.id)).toEqual([a.thingId, thingId])
    expect(
      created('Datastreams')
        .map((c) => c.id)
        .sort(),
    ).toEqual(Object.values(a.datastreams).sort())
    expect(created('Locations')).toHaveLength(2)
    expect(created('HistoricalLocations')).toHaveLength(2)
    // the Sensor and ObservedProperties existed (w-0): not new
    expect(created('Sensors')).toEqual([])
    expect(created('ObservedProperties')).toEqual([])
    expect(told.some((c) => c.id === before.thingId && c.set === 'Things')).toBe(false)
    expect(told.at(-1)).toEqual({
      change: 'updated',
      set: 'Things',
      id: thingId,
      properties: ['name', 'description'],
    })
    expect(told.filter((c) => c.change === 'updated')).toHaveLength(1)
    expect(errors).toEqual([])
    stop()
    await store.provisionDevice(provision('w-2'))
    await new Promise((r) => setTimeout(r, 50))
    expect(told.some((c) => c.set === 'Things' && c.id > thingId)).toBe(false)
  })

  it('provisions a device idempotently: Thing, Location, Sensor, ObservedProperties, Datastreams', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(provision('c-1'))
    const again = await store.provisionDevice(provision('c-1', 11.6, 48.2))
    expect(again).toEqual(a)
    expect(Object.keys(a.datastreams).sort()).toEqual(['fillingLevel', 'temperature'])
    expect(a.properties).toEqual({ address: 'Marienplatz 1' })
    const things = await store.things({ top: 10, skip: 0 })
    expect(things.count).toBe(1)
    expect(things.items[0]).toMatchObject({
      deviceId: 'c-1',
      kind: 'clothing-container',
      properties: { address: 'Marienplatz 1' },
    })
    const locs = await store.locations({ top: 10, skip: 0 }, a.thingId)
    expect(locs.items.map((l) => l.location.coordinates)).toEqual([[11.6, 48.2]])
    expect(await store.location(locs.items[0]!.id)).toEqual(locs.items[0])
    expect(await store.observation(123456)).toBeNull()
    const ds = await store.datastream(a.datastreams.fillingLevel!)
    expect(ds).toMatchObject({ key: 'fillingLevel', thingId: a.thingId, unitOfMeasurement: { symbol: '%' } })
    expect(await store.sensor(ds!.sensorId)).toMatchObject({ name: 'fill sensor' })
    expect(await store.observedProperty(ds!.observedPropertyId)).toMatchObject({
      definition: 'https://example.org/fill',
    })
    expect(await store.device('nope')).toBeNull()
  })

  it('adds only the Datastreams a device lacks, and nothing for an unknown device', async () => {
    const { store } = await open()
    const full = provision('e-1')
    const d = await store.provisionDevice({ ...full, datastreams: full.datastreams.slice(0, 1) })
    expect(Object.keys(d.datastreams)).toHaveLength(1)
    const first = await store.ensureDatastreams('e-1', full.sensor, full.datastreams)
    expect(first?.added).toBe(full.datastreams.length - 1)
    expect(first?.device.datastreams[full.datastreams[0]!.key]).toBe(d.datastreams[full.datastreams[0]!.key])
    expect((await store.ensureDatastreams('e-1', full.sensor, full.datastreams))?.added).toBe(0)
    expect(await store.ensureDatastreams('ghost', full.sensor, full.datastreams)).toBeNull()
  })

  it("provisions a kind's MultiDatastreams by key: created once, updated, added when missing, array results stored", async () => {
    const { store } = await open()
    const full = provision('s-1')
    const pair = {
      key: 'pair',
      name: 'Pair',
      description: 'two counts',
      unitOfMeasurements: [full.datastreams[0]!.unitOfMeasurement, full.datastreams[0]!.unitOfMeasurement],
      multiObservationDataTypes: [full.datastreams[0]!.observationType, full.datastreams[0]!.observationType],
      observedProperties: [
        { name: 'A', definition: 'urn:test:a', description: 'a' },
        { name: 'B', definition: 'urn:test:b', description: 'b' },
      ],
      properties: { version: 1 },
    }
    const d = await store.provisionDevice({ ...full, multiDatastreams: [pair] })
    const id = d.datastreams.pair!
    expect(await store.multiDatastream(id)).toMatchObject({
      name: `Pair of ${full.thing.name}`,
      thingId: d.thingId,
      properties: { version: 1 },
    })
    expect((await store.datastream(id)) ?? null).toBeNull() // a MultiDatastream, not a Datastream
    // provisioning again updates it in place; the device's map is the same
    const again = await store.provisionDevice({
      ...full,
      multiDatastreams: [{ ...pair, description: 'two counts, again', properties: { version: 2 } }],
    })
    expect(again.datastreams).toEqual(d.datastreams)
    expect(await store.multiDatastream(id)).toMatchObject({
      description: 'two counts, again',
      properties: { version: 2 },
    })
    // a device kind that gained one: ensureDatastreams adds it, once
    const other = { ...pair, key: 'other', name: 'Other' }
    const ensured = await store.ensureDatastreams('s-1', full.sensor, full.datastreams, [pair, other])
    expect(ensured?.added).toBe(1)
    expect(Object.keys(ensured!.device.datastreams).sort()).toEqual(
      [...Object.keys(d.datastreams), 'other'].sort(),
    )
    expect((await store.ensureDatastreams('s-1', full.sensor, full.datastreams, [pair, other]))?.added).toBe(
      0,
    )
    expect((await store.devices(['s-1']))[0]!.datastreams).toEqual(ensured!.device.datastreams)
    // ingest appends an array for it like any reading
    await store.appendObservations([
      {
        datastreamId: id,
        phenomenonTime: '2026-11-24T10:00:00.000Z',
        resultTime: '2026-11-24T10:00:01.000Z',
        result: [3, 12],
      },
    ])
    const obs = await store.observations(id, { top: 10, skip: 0 })
    expect(obs.items.map((o) => o.result)).toEqual([[3, 12]])
  })

  it('looks up many devices in one call: the registered ones, as device() sees each', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(provision('m-1'))
    const b = await store.provisionDevice(provision('m-2'))
    const found = await store.devices(['m-2', 'ghost', 'm-1', "m-1' OR 1=1 --"])
    expect(found.sort((x, y) => x.deviceId.localeCompare(y.deviceId))).toEqual([a, b])
    expect(found[0]).toEqual(await store.device('m-1'))
    expect(await store.devices([])).toEqual([])
    expect(await store.devices(['ghost'])).toEqual([])
  })

  it('stores observations once per Datastream and phenomenonTime, newest first, with paging', async () => {
    const { store } = await open()
    const d = await store.provisionDevice(provision('c-2'))
    const ds = d.datastreams.fillingLevel!
    const batch = [10, 20, 30].map((m, i) => ({
      datastreamId: ds,
      phenomenonTime: at(m),
      resultTime: at(m),
      result: i * 10,
    }))
    expect(await store.appendObservations(batch)).toEqual({ inserted: 3 })
    expect(await store.appendObservations(batch)).toEqual({ inserted: 0 })
    const page = await store.observations(ds, { top: 2, skip: 0 })
    expect(page.count).toBe(3)
    expect(page.items.map((o) => [o.phenomenonTime, o.result])).toEqual([
      [at(30), 20],
      [at(20), 10],
    ])
    const rest = await store.observations(ds, { top: 2, skip: 2 })
    expect(rest.items.map((o) => o.result)).toEqual([0])
  })

  it('keeps strings, booleans and the result quality', async () => {
    const { store } = await open()
    const d = await store.provisionDevice(provision('c-3'))
    const ds = d.datastreams.temperature!
    await store.appendObservations([
      { datastreamId: ds, phenomenonTime: at(1), resultTime: at(1), result: 'ok' },
      { datastreamId: ds, phenomenonTime: at(2), resultTime: at(2), result: true },
      {
        datastreamId: ds,
        phenomenonTime: at(3),
        resultTime: at(3),
        result: 0,
        resultQuality: 'implausible: no echo',
      },
    ])
    const items = (await store.observations(ds, { top: 5, skip: 0 })).items
    expect(items.map((o) => o.result)).toEqual([0, true, 'ok'])
    expect(items.map((o) => o.resultQuality)).toEqual(['implausible: no echo', undefined, undefined])
  })

  it('reports the latest value of a stream key for each device of a kind', async () => {
    const { store } = await open()
    const a = await store.provisionDevice(provision('c-4'))
    await store.provisionDevice(provision('c-5'))
    await store.appendObservations([
      { datastreamId: a.datastreams.fillingLevel!, phenomenonTime: at(5), resultTime: at(5), result: 55 },
      { datastreamId: a.datastreams.fillingLevel!, phenomenonTime: at(1), resultTime: at(1), result: 11 },
      { datastreamId: a.datastreams.temperature!, phenomenonTime: at(9), resultTime: at(9), result: 3 },
    ])
    const latest = await store.latestOfKind('clothing-container', 'fillingLevel')
    expect(latest.map((l) => [l.deviceId, l.result, l.phenomenonTime])).toEqual([
      ['c-4', 55, at(5)],
      ['c-5', null, null],
    ])
    expect(latest[0]?.properties).toEqual({ address: 'Marienplatz 1' })
  })

  it('moves a Thing: new current Location, the old one kept with a HistoricalLocation, across a reopen', async () => {
    const { store, dir } = await open()
    const d = await store.provisionDevice(provision('c-8'))
    await store.provisionDevice(provision('c-8')) // same place again: no move
    expect((await store.historicalLocations({ top: 10, skip: 0 }, { thingId: d.thingId })).count).toBe(1)
    await store.provisionDevice(provision('c-8', 11.6, 48.15))
    const check = async (s: Store) => {
      const history = await s.historicalLocations({ top: 10, skip: 0 }, { thingId: d.thingId })
      expect(history.count).toBe(2)
      const places = await Promise.all(
        history.items.map(async (h) => (await s.location(h.locationId))!.location.coordinates),
      )
      expect(places).toEqual([
        [11.6, 48.15],
        [11.5755, 48.1374],
      ])
      expect(await s.historicalLocation(history.items[1]!.id)).toEqual(history.items[1])
      const current = await s.locations({ top: 10, skip: 0 }, d.thingId)
      expect(current.items.map((l) => l.location.coordinates)).toEqual([[11.6, 48.15]])
      expect((await s.locations({ top: 10, skip: 0 })).count).toBe(2)
      // the map layer places the container once, where it is now
      const layer = await s.latestOfKind('clothing-container', 'fillingLevel')
      expect(layer.map((l) => l.coordinates)).toEqual([[11.6, 48.15]])
    }
    await check(store)
    await store.close()
    stores.splice(stores.indexOf(store), 1)
    await check((await open(dir)).store)
  })

  it('gives Things of a file from before HistoricalLocations their first entry when it is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-store-'))
    dirs.push(dir)
    const path = join(dir, 'old.duckdb')
    const old = await openDuckDb({ path })
    const d = await old.store.provisionDevice(provision('c-9'))
    await old.conn.exclusive((sql) => sql.run('DELETE FROM historical_locations')) // as before the table existed
    await old.store.close()
    const store = await openDuckDbStore({ path })
    stores.push(store)
    const history = await store.historicalLocations({ top: 5, skip: 0 }, { thingId: d.thingId })
    expect(history.count).toBe(1)
    expect((await store.locations({ top: 5, skip: 0 }, d.thingId)).items[0]!.id).toBe(
      history.items[0]!.locationId,
    )
  })

  it('keeps an area Location as its polygon, with a point inside it for distance queries', async () => {
    const { store, dir } = await open()
    // an L-shaped district: its centroid (about 11.53, 48.13) lies outside it, in the notch
    const area = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [11.5, 48.1],
          [11.6, 48.1],
          [11.6, 48.12],
          [11.52, 48.12],
          [11.52, 48.2],
          [11.5, 48.2],
          [11.5, 48.1],
        ] as [number, number][],
      ],
    }
    const thingId = await store.create({
      set: 'Things',
      thing: {
        thing: { name: 'District', description: 'an area' },
        locations: [
          { name: 'District', description: 'boundary', encodingType: 'application/geo+json', location: area },
        ],
        datastreams: [],
      },
    })
    const [loc] = (await store.locations({ top: 5, skip: 0 }, thingId)).items
    expect(loc!.location).toEqual(area)
    const inside = await store.locations({
      top: 5,
      skip: 0,
      filter: {
        kind: 'call',
        name: 'st_within',
        args: [
          { kind: 'literal', type: 'geometry', value: { type: 'Point', coordinates: [11.51, 48.19] } },
          { kind: 'property', path: ['location'] },
        ],
      },
    })
    expect(inside.items.map((l) => l.id)).toEqual([loc!.id])
    await store.patch('Locations', loc!.id, { location: { type: 'Point', coordinates: [11.55, 48.14] } })
    expect((await store.location(loc!.id))!.location).toEqual({ type: 'Point', coordinates: [11.55, 48.14] })
    await store.close()
    stores.splice(stores.indexOf(store), 1)
    const again = await openDuckDbStore({ path: join(dir, 'urbantwin.duckdb') })
    stores.push(again)
    expect((await again.location(loc!.id))!.location).toEqual({ type: 'Point', coordinates: [11.55, 48.14] })
  })

  it('opens a file from before area Locations: the column is added and points read as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-store-'))
    dirs.push(dir)
    const path = join(dir, 'old.duckdb')
    const old = await openDuckDb({ path })
    await old.store.provisionDevice(provision('c-10', 11.6, 48.15))
    await old.conn.exclusive(async (sql) => {
      await sql.run('DROP VIEW current_locations')
      await sql.run('ALTER TABLE locations DROP COLUMN geometry')
      await sql.run(
        'CREATE VIEW current_locations AS SELECT l.* FROM locations l WHERE l.id IN (SELECT arg_max(h.location_id, h.id) FROM historical_locations h GROUP BY h.thing_id)',
      )
      await sql.run('CHECKPOINT')
    })
    await old.store.close()
    const store = await openDuckDbStore({ path })
    stores.push(store)
    const device = await store.device('c-10')
    const [loc] = await store.locationsOfThings([device!.thingId])
    expect(loc!.location).toEqual({ type: 'Point', coordinates: [11.6, 48.15] })
  })

  it('keeps the last registration of a device apart from its Thing, and after the Thing is deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-store-'))
    dirs.push(dir)
    const { store, conn } = await openDuckDb({ path: join(dir, 'reg.duckdb') })
    stores.push(store)
    await store.provisionDevice(provision('r-1'))
    const moved = await store.provisionDevice({
      ...provision('r-1', 11.6, 48.2),
      thing: { name: 'Container r-1', description: 'moved', properties: { site: 7 } },
    })
    await store.provisionDevice(provision('r-2'))
    expect(await store.registrations(['r-1', 'ghost'])).toEqual([
      {
        deviceId: 'r-1',
        kind: 'clothing-container',
        thing: { name: 'Container r-1', description: 'moved', properties: { site: 7 } },
        location: expect.objectContaining({
          encodingType: 'application/geo+json',
          location: { type: 'Point', coordinates: [11.6, 48.2] },
        }),
      },
    ])
    await conn.exclusive((sql) => sql.run('DELETE FROM things WHERE id = ?', [moved.thingId]))
    expect(await store.devices(['r-1'])).toEqual([])
    expect((await store.registrations(['r-1']))[0]?.thing.description).toBe('moved')
    expect(await store.registrations([])).toEqual([])
  })

  it('derives registrations from the Things of a file from before registrations were kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ut-store-'))
    dirs.push(dir)
    const path = join(dir, 'old.duckdb')
    const old = await openDuckDb({ path })
    await old.store.provisionDevice(provision('o-1', 11.61, 48.14))
    await old.conn.exclusive((sql) => sql.run('DROP TABLE device_registrations')) // as before the table existed
    await old.store.close()
    const store = await openDuckDbStore({ path })
    stores.push(store)
    const [r] = await store.registrations(['o-1'])
    expect(r).toMatchObject({
      deviceId: 'o-1',
      kind: 'clothing-container',
      thing: { name: provision('o-1').thing.name, properties: { address: 'Marienplatz 1' } },
      location: { location: { coordinates: [11.61, 48.14] } },
    })
  })

  it('keeps everything across close and reopen of the same file', async () => {
    const { store, dir } = await open()
    const d = await store.provisionDevice(provision('c-6'))
    await store.appendObservations([
      { datastreamId: d.datastreams.fillingLevel!, phenomenonTime: at(1), resultTime: at(1), result: 42 },
    ])
    await store.putMqttAccount({ username: 'c-6', passwordHash: 'h', role: 'device', deviceId: 'c-6' })
    await store.close()
    stores.splice(stores.indexOf(store), 1)
    const { store: reopened } = await open(dir)
    expect(await reopened.device('c-6')).toEqual(d)
    expect(
      (await reopened.observations(d.datastreams.fillingLevel!, { top: 1, skip: 0 })).items[0]?.result,
    ).toBe(42)
    expect(await reopened.mqttAccount('c-6')).toEqual({
      username: 'c-6',
      passwordHash: 'h',
      role: 'device',
      deviceId: 'c-6',
      network: null,
      issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
    })
  })

  it('lists, rotates and revokes MQTT logins; a bridge keeps its network server', async () => {
    const { store } = await open()
    await store.putMqttAccount({
      username: 'tts',
      passwordHash: 'h1',
      role: 'bridge',
      deviceId: null,
      network: 'tts',
    })
    await store.putMqttAccount({ username: 'c-1', passwordHash: 'h2', role: 'device', deviceId: 'c-1' })
    const first = await store.mqttAccount('c-1')
    expect((await store.mqttAccounts()).map((a) => [a.username, a.role, a.network])).toEqual([
      ['c-1', 'device', null],
      ['tts', 'bridge', 'tts'],
    ])
    await new Promise((r) => setTimeout(r, 5))
    await store.putMqttAccount({ username: 'c-1', passwordHash: 'h3', role: 'device', deviceId: 'c-1' })
    const rotated = await store.mqttAccount('c-1')
    expect(rotated?.passwordHash).toBe('h3')
    expect(Date.parse(rotated!.issuedAt!)).toBeGreaterThan(Date.parse(first!.issuedAt!))
    expect(await store.deleteMqttAccount('c-1')).toBe(true)
    expect(await store.deleteMqttAccount('c-1')).toBe(false)
    expect(await store.mqttAccount('c-1')).toBeNull()
    expect((await store.mqttAccounts()).map((a) => a.username)).toEqual(['tts'])
  })

  it('rolls back a failed provisioning completely', async () => {
    const { store } = await open()
    const bad = provision('c-7')
    // a Datastream whose unit cannot be serialised to the NOT NULL column fails mid-transaction
    const broken = {
      ...bad,
      datastreams: [
        ...bad.datastreams,
        { ...bad.datastreams[0]!, key: 'x', unitOfMeasurement: undefined as never },
      ],
    }
    await expect(store.provisionDevice(broken)).rejects.toThrow()
    expect(await store.device('c-7')).toBeNull()
    expect((await store.things({ top: 5, skip: 0 })).count).toBe(0)
  })
})

describe('quarantine in the DuckDB store', () => {
  it('keeps refused messages once per WAL record, lists them newest first and counts them by category', async () => {
    const store = await openDuckDbStore({ path: ':memory:' })
    try {
      const entry = (walSeq: number, category: string, payload: Uint8Array | null) => ({
        walSeq,
        receivedAt: '2026-11-23T08:00:00.000Z',
        quarantinedAt: '2026-11-23T08:00:01.000Z',
        topic: 'urbantwin/v1/devices/x/up',
        clientId: 'c',
        category,
        reason: `${category} reason`,
        payload,
        payloadBytes: payload?.byteLength ?? 17,
      })
      expect(
        await store.quarantine([entry(1, 'schema', new Uint8Array([1, 2, 3])), entry(2, 'privacy', null)]),
      ).toEqual({
        inserted: 2,
      })
      expect(await store.quarantine([entry(1, 'schema', new Uint8Array([1, 2, 3]))])).toEqual({ inserted: 0 })
      const page = await store.quarantined({ top: 10, skip: 0 })
      expect(page.count).toBe(2)
      expect(page.items.map((m) => [m.walSeq, m.category, m.payloadBase64, m.payloadBytes])).toEqual([
        [2, 'privacy', null, 17],
        [1, 'schema', 'AQID', 3],
      ])
      expect((await store.quarantined({ top: 10, skip: 0 }, 'schema')).count).toBe(1)
      expect(await store.quarantineCounts()).toEqual({ privacy: 1, schema: 1 })
    } finally {
      await store.close()
    }
  })
})

describe('files made by earlier versions', () => {
  it('drops the old UNIQUE index on observations and keeps every row and id', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const dir = mkdtempSync(join(tmpdir(), 'ut-migrate-'))
    try {
      const path = join(dir, 'old.duckdb')
      const old = await DuckDBInstance.create(path)
      const c = await old.connect()
      await c.run(`CREATE SEQUENCE observation_ids START 1`)
      await c.run(`CREATE TABLE observations (id BIGINT PRIMARY KEY DEFAULT nextval('observation_ids'), datastream_id INTEGER NOT NULL,
        phenomenon_time TIMESTAMPTZ NOT NULL, result_time TIMESTAMPTZ NOT NULL, result_number DOUBLE, result_json VARCHAR,
        result_quality VARCHAR, UNIQUE (datastream_id, phenomenon_time))`)
      await c.run(
        `INSERT INTO observations (datastream_id, phenomenon_time, result_time, result_number) VALUES (7, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1.5)`,
      )
      c.closeSync()
      old.closeSync()
      const store = await openDuckDbStore({ path })
      try {
        expect((await store.observation(1))?.result).toBe(1.5)
        const t = '2026-01-01T00:00:00.000Z'
        expect(
          await store.appendObservations([{ datastreamId: 7, phenomenonTime: t, resultTime: t, result: 2 }]),
        ).toEqual({ inserted: 0 })
        const t2 = '2026-01-01T00:01:00.000Z'
        expect(
          await store.appendObservations([
            { datastreamId: 7, phenomenonTime: t2, resultTime: t2, result: 3 },
          ]),
        ).toEqual({ inserted: 1 })
        expect((await store.observations(7, { top: 5, skip: 0 })).items.map((o) => [o.id, o.result])).toEqual(
          [
            [2, 3],
            [1, 1.5],
          ],
        )
      } finally {
        await store.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
