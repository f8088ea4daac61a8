import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { nodeRedSettings } from './settings.ts'

const feed = new EventEmitter()
const settings = nodeRedSettings({
  userDir: '/data/node-red',
  nodesDir: '/app/flows',
  adminUser: { username: 'admin', passwordHash: '$2b$12$hash' },
  credentialSecret: 'secret',
  httpAdminRoot: '/flows',
  httpNodeRoot: '/flows/http',
  observations: feed,
  logHandler: () => () => {},
})

describe('Node-RED settings', () => {
  it('require the single admin login for editor and admin API', () => {
    expect(settings.adminAuth).toEqual({
      type: 'credentials',
      users: [{ username: 'admin', password: '$2b$12$hash', permissions: '*' }],
    })
    expect(settings.disableEditor).toBe(false)
    expect(settings.flowFile).toBe('flows.json')
  })

  it('make no outbound requests', () => {
    expect(settings.telemetry).toEqual({ enabled: false, updateNotification: false })
    expect(settings.externalModules.autoInstall).toBe(false)
    expect(settings.externalModules.palette.allowInstall).toBe(false)
    expect(settings.editorTheme.palette.catalogues).toEqual([])
    expect(settings.editorTheme.tours).toBe(false)
    expect(settings.functionExternalModules).toBe(false)
  })

  it('log only through our handler', () => {
    expect(Object.keys(settings.logging)).toEqual(['urbantwin'])
  })

  it('hand nodes the feed itself, not a copy', () => {
    expect(settings.urbantwin.observations).toBe(feed)
  })
})
