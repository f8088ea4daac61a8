import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { forceFlush, startVictoriaMetrics, type VictoriaMetrics } from '@urbantwin/store/test-engines'
import {
  GATEWAY_USER,
  NO_SIMULATION,
  eventually,
  health,
  registerContainer,
  secretsOf,
  startPlatformProcess,
  tempDataDir,
  type PlatformProcess,
} from '../src/index.ts'

const DEVICES = 5
const OUTAGE_MS = 60_000
const BASE = Date.UTC(2026, 10, 20)
const timeOf = (seq: number) => new Date(BASE + seq * 1000).toISOString()

describe('VictoriaMetrics killed for 60 s while devices publish: nothing lost, nothing duplicated', () => {
  const tmp = tempDataDir()
  let vm: VictoriaMetrics | undefined
  let platform: PlatformProcess | undefined
  afterAll(async () => {
    await platform?.stop()
    await vm?.stop()
    vm?.remove()
    tmp.remove()
  })

  it('spools in the WAL, replays what the engine lost and catches up', async () => {
    vm = await startVictoriaMetrics()
    platform = await startPlatformProcess({
      dataDir: tmp.dir,
      env: {
        ...NO_SIMULATION,
        TS_BACKEND: 'victoriametrics',
        TS_URL: vm.url,
        TS_TIMEOUT_MS: '2000',
        API_MAX_TOP: '20000',
      },
    })
    const streams: number[] = []
    for (let d = 0; d < DEVICES; d++)
      streams.push((await registerContainer(platform, `vm-${d}`)).datastreams.fillingLevel!)
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
      username: GATEWAY_USER,
      password: secretsOf(platform).simulatorPassword,
      reconnectPeriod: 0,
    })
    const acked = Array.from({ length: DEVICES }, () => 0)
    let seq = 0
    let publishing = true
    // ~250 readings/s across the devices, each acknowledged before the next round
    const load = (async () => {
      while (publishing) {
        seq++
        await Promise.all(
          streams.map((_, d) =>
            c
              .publishAsync(
                `urbantwin/v1/devices/vm-${d}/up`,
                JSON.stringify({ time: timeOf(seq), fillingLevel: (seq % 100) / 100 }),
                { qos: 1 },
              )
              .then(() => acked[d]!++),
          ),
        )
        await new Promise((r) => setTimeout(r, 20))
      }
    })()

    await new Promise((r) => setTimeout(r, 10_000))
    const { port, dir } = vm
    await vm.stop('SIGKILL') // no chance to flush what it acknowledged
    const downAt = Date.now()
    const seqAtKill = seq
    await eventually(
      async () => ((await health(platform!)).consumer.storeDownSince ? true : undefined),
      'outage noticed',
      30_000,
    )
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - downAt)))
    const backlogDuringOutage = (await health(platform)).wal.backlog
    const seqAtRestart = seq
    vm = await startVictoriaMetrics({ dir, port })
    publishing = false
    await load
    await c.endAsync()
    const upAt = Date.now()
    await eventually(
      async () => {
        const h = await health(platform!)
        return h.consumer.storeDownSince === null && h.consumer.consumedSeq === h.wal.lastSeq
          ? true
          : undefined
      },
      'caught up',
      120_000,
    )
    const drainedMs = Date.now() - upAt
    await forceFlush(vm.url)
    for (let d = 0; d < DEVICES; d++) {
      const read = async () => {
        const body = (await (
          await fetch(`${platform!.base}/v1.1/Datastreams(${streams[d]})/Observations?$top=20000`)
        ).json()) as { value: { phenomenonTime: string }[] }
        return body.value.map((o) => o.phenomenonTime)
      }
      // wait until all are there or the count stops moving for 5 s, then say exactly what is missing
      let times = await read()
      for (let still = Date.now(); times.length < acked[d]! && Date.now() - still < 5000;) {
        await new Promise((r) => setTimeout(r, 200))
        const next = await read()
        if (next.length !== times.length) still = Date.now()
        times = next
      }
      const have = new Set(times)
      const missing = Array.from({ length: acked[d]! }, (_, i) => timeOf(i + 1)).filter((t) => !have.has(t))
      if (missing.length)
        console.info(
          `vm-${d} missing ${missing.length}: ${missing[0]} … ${missing.at(-1)}; seq at kill ${seqAtKill} (${timeOf(seqAtKill)}), at restart ${seqAtRestart} (${timeOf(seqAtRestart)})`,
        )
      expect(missing).toEqual([])
      expect(new Set(times).size).toBe(times.length) // nothing duplicated
      expect(times.length).toBe(acked[d]) // nothing lost, nothing extra
    }
    expect(backlogDuringOutage).toBeGreaterThan(1000)
    console.info(
      `VictoriaMetrics outage ${OUTAGE_MS / 1000} s: backlog ${backlogDuringOutage} WAL records, drained in ${drainedMs} ms; ${acked.reduce((a, b) => a + b, 0)} readings all stored once`,
    )
  }, 240_000)
})
