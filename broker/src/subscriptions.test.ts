import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSubscriptionTracker } from './subscriptions.ts'

describe('subscription tracker', () => {
  it('counts clients per topic and forgets a topic with its last client', () => {
    const t = createSubscriptionTracker()
    const a = {}
    const b = {}
    t.add(a, 'v1.1/Observations')
    t.add(a, 'v1.1/Observations') // a second SUBSCRIBE of the same filter replaces the first (MQTT-3.8.4-3)
    t.add(b, 'v1.1/Observations')
    t.add(b, 'v1.1/Datastreams(1)/Observations')
    expect([...t.topics()].sort()).toEqual(['v1.1/Datastreams(1)/Observations', 'v1.1/Observations'])
    t.remove(a, 'v1.1/Observations')
    expect(t.topics().has('v1.1/Observations')).toBe(true)
    t.drop(b)
    expect(t.topics().size).toBe(0)
    t.remove(b, 'v1.1/Observations') // after a disconnect: nothing left to remove
    expect(t.topics().size).toBe(0)
  })

  it('hands out the same Set until the subscribed topics change', () => {
    const t = createSubscriptionTracker()
    const a = {}
    const first = t.topics()
    expect(t.topics()).toBe(first)
    t.add(a, 'x')
    const second = t.topics()
    expect(second).not.toBe(first)
    t.add({}, 'x') // one more client, same topics
    expect(t.topics()).toBe(second)
  })

  it('agrees with a naive model under any sequence of operations', () => {
    const op = fc.record({
      kind: fc.constantFrom('add', 'remove', 'drop'),
      client: fc.nat({ max: 3 }),
      topic: fc.constantFrom('a', 'b', 'c'),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const clients = [{}, {}, {}, {}]
        const t = createSubscriptionTracker()
        const model = clients.map(() => new Set<string>())
        for (const o of ops) {
          const c = clients[o.client]!
          if (o.kind === 'add') {
            t.add(c, o.topic)
            model[o.client]!.add(o.topic)
          } else if (o.kind === 'remove') {
            t.remove(c, o.topic)
            model[o.client]!.delete(o.topic)
          } else {
            t.drop(c)
            model[o.client]!.clear()
          }
        }
        expect([...t.topics()].sort()).toEqual([...new Set(model.flatMap((s) => [...s]))].sort())
      }),
      { numRuns: 500 },
    )
  })
})
