import { describe, expect, it } from 'vitest'
import { ApiRole, Permission, can, staPermission } from './permissions.ts'

describe('roles and permissions', () => {
  it('grants explicit permissions per role', () => {
    const table = Object.fromEntries(
      ApiRole.options.map((r) => [r, Permission.options.filter((p) => can(r, p))]),
    )
    expect(table).toEqual({
      admin: Permission.options,
      operator: [
        'read',
        'read:unsuppressed',
        'write',
        'write:observations',
        'provision',
        'quarantine',
        'metrics',
      ],
      device: ['write:observations'],
      reader: ['read'],
    })
  })

  it('asks SensorThings reads for nothing (or read), writes for write, Observation creation for less', () => {
    expect(staPermission('GET', '/Things', true)).toBeNull()
    expect(staPermission('HEAD', '/Things', false)).toBe('read')
    expect(staPermission('OPTIONS', '/Things', false)).toBeNull()
    for (const path of [
      '/Observations',
      '/Datastreams(7)/Observations',
      "/MultiDatastreams('a')/Observations",
      '/CreateObservations',
    ])
      expect(staPermission('POST', path, true)).toBe('write:observations')
    for (const [method, path] of [
      ['POST', '/Things'],
      ['PATCH', '/Observations(1)'],
      ['DELETE', '/Observations(1)'],
      ['PUT', '/Observations'],
      ['POST', '/Things(1)/Datastreams(7)/Observations'],
      ['POST', '/Observations/../Things'],
      ['POST', '/$batch'],
    ])
      expect(staPermission(method!, path!, true)).toBe('write')
  })
})
