import { describe, expect, it } from 'vitest'
import { silentLogger, type ThingRecord } from '@urbantwin/model'
import { createStaMqtt, type StaMqttDeps } from './live.ts'

/** A registry of one Thing that counts lookups (the platform's real wiring: platform/test/sta-mqtt.*). */
function fixture(topics: string[]) {
  const thing: ThingRecord = { id: 4, name: 'T', description: 'd', deviceId: null, kind: null }
  let lookups = 0
  const store = {
    thing: async (id: number) => {
      lookups++
      return id === thing.id ? thing : null
    },
  } as unknown as StaMqttDeps['store']
  const sent: [string, unknown][] = []
  const sta = createStaMqtt({ store, base: () => 'http://h/v1.1', log: silentLogger })
  const subscribed = new Set(topics)
  sta.attach({ deliver: (t, p) => void sent.push([t, JSON.parse(p)]), subscribed: () => subscribed })
  return { sta, sent, lookups: () => lookups }
}

describe('registry changes on the MQTT topics', () => {
  it('looks nothing up while no topic could carry the change', async () => {
    const f = fixture(['v1.1/Observations', 'v1.1/Things(5)', 'v1.1/Things(4)/description', 'v1.1/Datastreams'])
    f.sta.entities([
      { change: 'created', set: 'Things', id: 4 },
      { change: 'updated', set: 'Things', id: 4, properties: ['name'] },
    ])
    await f.sta.idle()
    expect(f.lookups()).toBe(0)
    expect(f.sent).toEqual([])
  })

  it('sends a change to the entity, the changed property and nothing else; a gone entity sends nothing', async () => {
    const f = fixture(['v1.1/Things(4)?$select=name', 'v1.1/Things(4)/name', 'v1.1/Things(4)/description'])
    f.sta.entities([
      { change: 'updated', set: 'Things', id: 4, properties: ['name'] },
      { change: 'updated', set: 'Things', id: 9, properties: ['name'] },
    ])
    await f.sta.idle()
    expect(f.sent).toEqual([
      ['v1.1/Things(4)?$select=name', { name: 'T' }],
      ['v1.1/Things(4)/name', { name: 'T' }],
    ])
  })
})
