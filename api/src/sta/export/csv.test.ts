import { parse as parseCsv } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EntityQuery, ObservationRecord } from '@urbantwin/model'
import { UnsupportedQueryError } from '@urbantwin/store'
import { datastreamJson, locationJson, observationJson, thingJson } from '../serialize.ts'
import { CsvError, cell, csvColumns, csvText, type CsvRow } from './csv.ts'

const names = (cols: { name: string }[]) => cols.map((c) => c.name)
const l = { base: 'http://h/v1.1' }

describe('CSV columns: from the entity set and the query, never from the page', () => {
  it('lists id, selfLink and the properties of OGC 18-088 in order', () => {
    expect(names(csvColumns(thingJson, {}))).toEqual(['id', 'selfLink', 'name', 'description', 'properties'])
    expect(names(csvColumns(locationJson, {}))).toEqual([
      'id',
      'selfLink',
      'name',
      'description',
      'encodingType',
      'location',
      'properties',
    ])
  })

  it('gives Observations their Datastream id and Datastreams the ids of Thing, Sensor, ObservedProperty', () => {
    expect(names(csvColumns(observationJson, {}))).toEqual([
      'id',
      'selfLink',
      'phenomenonTime',
      'resultTime',
      'result',
      'resultQuality',
      'validTime',
      'parameters',
      'Datastream/id',
    ])
    expect(names(csvColumns(datastreamJson, {})).slice(-3)).toEqual([
      'Thing/id',
      'Sensor/id',
      'ObservedProperty/id',
    ])
  })

  it('follows $select, in its order; a selected navigation property to one entity is its id', () => {
    const q: EntityQuery = { select: [['result'], ['id'], ['Datastream']] }
    expect(names(csvColumns(observationJson, q))).toEqual(['result', 'id', 'Datastream/id'])
    expect(names(csvColumns(thingJson, { select: [['name'], ['Datastreams']] }))).toEqual(['name'])
  })

  it('flattens expanded single entities with a Nav/ prefix, nested ones too', () => {
    const q: EntityQuery = {
      select: [['result']],
      expand: [
        { path: ['Datastream'], query: { select: [['name']] } },
        { path: ['Datastream', 'Thing'], query: { select: [['id'], ['name']] } },
      ],
    }
    expect(names(csvColumns(observationJson, q))).toEqual([
      'result',
      'Datastream/name',
      'Datastream/Thing/id',
      'Datastream/Thing/name',
    ])
  })

  it('refuses an expanded collection with a 400 saying what to ask for instead', () => {
    const refuse = () => csvColumns(thingJson, { expand: [{ path: ['Datastreams'], query: {} }] })
    expect(refuse).toThrow(CsvError)
    expect(refuse).toThrow(/Datastreams is a collection/)
    expect(new CsvError('x')).toBeInstanceOf(UnsupportedQueryError) // what errors.ts maps to 400
  })
})

describe('CSV cells and text', () => {
  it('writes text as is, numbers and booleans as literals, objects as JSON, null as empty', () => {
    expect([cell('a,b'), cell(1.5), cell(false), cell(null), cell(undefined)]).toEqual([
      'a,b',
      '1.5',
      'false',
      '',
      '',
    ])
    expect(cell({ address: 'Straße 1' })).toBe('{"address":"Straße 1"}')
    expect(cell({ type: 'Point', coordinates: [11.5, 48.1] })).toBe(
      '{"type":"Point","coordinates":[11.5,48.1]}',
    )
  })

  it('renders Observations with values from the JSON and the Datastream id from the record', () => {
    const o: ObservationRecord = {
      id: 7,
      datastreamId: 3,
      phenomenonTime: '2026-11-23T08:01:00.000Z',
      resultTime: '2026-11-23T08:01:00.000Z',
      result: 10,
    }
    const rows: CsvRow[] = [{ record: o, json: observationJson(l, o) }]
    const text = csvText(csvColumns(observationJson, {}), rows)
    expect(text).toBe(
      'id,selfLink,phenomenonTime,resultTime,result,resultQuality,validTime,parameters,Datastream/id\r\n' +
        '7,http://h/v1.1/Observations(7),2026-11-23T08:01:00.000Z,2026-11-23T08:01:00.000Z,10,,,,3\r\n',
    )
  })

  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    const thing = {
      id: 1,
      deviceId: null,
      kind: null,
      name: 'A, "B"',
      description: 'x\ny',
      properties: { k: 'v,w' },
    }
    const text = csvText(csvColumns(thingJson, {}), [{ record: thing, json: thingJson(l, thing) }])
    expect(text.split('\r\n')[1]).toBe('1,http://h/v1.1/Things(1),"A, ""B""","x\ny","{""k"":""v,w""}"')
    const [, row] = parseCsv(text) as string[][]
    expect(row).toEqual(['1', 'http://h/v1.1/Things(1)', 'A, "B"', 'x\ny', '{"k":"v,w"}'])
  })

  it('round-trips any text through a real CSV parser (csv-parse)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 })
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 5 })
          .chain((n) =>
            fc.tuple(
              fc.uniqueArray(text, { minLength: n, maxLength: n }),
              fc.array(fc.array(text, { minLength: n, maxLength: n }), { maxLength: 5 }),
            ),
          ),
        ([header, values]) => {
          const columns = header.map((name, i) => ({ name, value: (row: CsvRow) => row.json[i] }))
          const rows = values.map((v) => ({ record: null, json: { ...v } }))
          const parsed = parseCsv(csvText(columns, rows), { relax_column_count: false }) as string[][]
          expect(parsed).toEqual([header, ...values])
        },
      ),
    )
  }, 60_000)

  it('never throws on any JSON value, and JSON cells parse back to the value', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 2, maxLength: 4 }), (values) => {
        const columns = values.map((_, i) => ({ name: `c${i}`, value: (row: CsvRow) => row.json[i] }))
        const [, row] = parseCsv(csvText(columns, [{ record: null, json: { ...values } }])) as string[][]
        values.forEach((v, i) => {
          // JSON has no -0: compare with what JSON itself keeps of the value
          if (typeof v === 'object' && v !== null)
            expect(JSON.parse(row![i]!)).toEqual(JSON.parse(JSON.stringify(v)))
          else expect(row![i]).toBe(cell(v))
        })
      }),
    )
  }, 60_000)
})
