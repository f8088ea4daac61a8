import fc from 'fast-check'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { observationFromMessage, parseStaTopic } from '@urbantwin/api'
import { publishOutcome, startStaMqtt, type StaMqttHarness } from './sta-mqtt-harness.ts'

/** Random SensorThings PUBLISHes and SUBSCRIBEs against the real broker: it refuses what is invalid and stays up. */
describe('SensorThings MQTT extension under random topics and payloads', () => {
  let h: StaMqttHarness
  let streams: number[]
  let gw: MqttClient
  const total = async () => (await Promise.all(streams.map((d) => h.count(d)))).reduce((a, b) => a + b, 0)
  const gateway = () => h.connect('tcp', { username: 'gw', password: h.secrets.gateway })

  beforeAll(async () => {
    h = await startStaMqtt()
    streams = [...Object.values(h.devices.c1.datastreams), ...Object.values(h.devices.c2.datastreams)]
    gw = await gateway()
  })
  afterAll(() => h.close())

  it('stores exactly the valid Observations for known Datastreams, refuses the rest, and keeps serving', async () => {
    const known = new Set(streams)
    const datastream = fc.oneof(fc.constantFrom(...streams), fc.integer({ min: -2, max: 1_000_000 }))
    const topic = fc.oneof(
      { weight: 3, arbitrary: datastream.map((d) => `v1.1/Datastreams(${d})/Observations`) },
      { weight: 2, arbitrary: fc.constant('v1.1/Observations') },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `v1.1/${s}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `v1.1/Observations?${s}`) },
    )
    const time = fc.oneof(
      fc.integer({ min: 1_600_000_000_000, max: 1_700_000_000_000 }).map((ms) => new Date(ms).toISOString()),
      fc.string({ maxLength: 25 }),
    )
    const observation = fc.record(
      {
        result: fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.string(),
          fc.boolean(),
          fc.constant(null),
          fc.object({ maxDepth: 1 }),
        ),
        phenomenonTime: time,
        resultTime: time,
        resultQuality: fc.string({ maxLength: 10 }),
        Datastream: fc.record({ '@iot.id': fc.oneof(datastream, fc.string()) }),
        parameters: fc.object({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    /** Mostly well-formed Observations (some valid), or JSON, or bytes. */
    const plausible = fc.record(
      {
        result: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.boolean()),
        phenomenonTime: time,
        Datastream: fc.record({ '@iot.id': datastream }),
      },
      { requiredKeys: ['result'] },
    )
    const payload = fc.oneof(
      { weight: 3, arbitrary: plausible.map((o) => Buffer.from(JSON.stringify(o))) },
      { weight: 2, arbitrary: observation.map((o) => Buffer.from(JSON.stringify(o))) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((j) => Buffer.from(j)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)) },
    )
    let stored = 0
    let refused = 0
    await fc.assert(
      fc.asyncProperty(topic, payload, async (t, p) => {
        const expected = observationFromMessage(t, p, new Date())
        // stored: a valid one-value Observation of a known Datastream (arrays are for MultiDatastreams)
        const draft = expected.ok ? expected.value : null
        const target =
          draft &&
          draft.stream.set === 'Datastreams' &&
          !Array.isArray(draft.observation.result) &&
          known.has(draft.stream.id)
            ? draft.stream.id
            : null
        const before = target === null ? 0 : await h.count(target)
        if (!gw.connected) gw = await gateway()
        const outcome = await publishOutcome(gw, t, p)
        if (target !== null) {
          expect(outcome).toBe('acked')
          const added = (await h.count(target)) - before
          expect([0, 1]).toContain(added) // 0: one was already stored at that phenomenonTime
          stored += added
        } else {
          expect(outcome).toBe('closed')
          refused++
        }
      }),
      { numRuns: 1000 },
    )
    // nothing but the valid Observations was stored, anywhere
    expect(await total()).toBe(stored)
    // the generators reach both sides, and the broker still serves after it all
    expect(stored).toBeGreaterThan(20)
    expect(refused).toBeGreaterThan(200)
    const fresh = await gateway()
    expect(await publishOutcome(fresh, `v1.1/Datastreams(${streams[0]})/Observations`, '{"result": 1}')).toBe(
      'acked',
    )
  }, 300_000)

  it('grants exactly the subscriptions the topic parser accepts', async () => {
    const sub = await h.connect('ws')
    const filter = fc.oneof(
      fc.string({ maxLength: 30 }).map((s) => `v1.1/${s}`),
      fc.string({ maxLength: 30 }).map((s) => `v1.1/Observations?${s}`),
      fc.string({ maxLength: 30 }).map((s) => `v1.1/Datastreams(1)/Observations?$select=${s}`),
      fc.constantFrom(
        'v1.1/Observations?$select=result',
        'v1.1/Datastreams(3)/Observations',
        'v1.1/+/Observations',
      ),
    )
    let granted = 0
    await fc.assert(
      fc.asyncProperty(filter, async (f) => {
        const ok = await sub.subscribeAsync(f).then(
          (g) => g[0]?.qos === 0,
          () => false,
        )
        expect(ok, f).toBe(parseStaTopic(f).ok)
        if (ok) granted++
        expect(sub.connected).toBe(true)
      }),
      { numRuns: 300 },
    )
    expect(granted).toBeGreaterThan(0)
  }, 120_000)
})
