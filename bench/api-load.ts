/**
 * Child process of `npm run bench:api`: live container readings at a fixed rate while the API is
 * measured, in its own process so that publishing does not share the measuring event loop.
 * Settings come as JSON in BENCH_LOAD; the report is printed as one JSON line. Stops by itself.
 */
import { runLoad } from '@urbantwin/simulators'
import { z } from 'zod'

const Settings = z.object({
  url: z.string(),
  username: z.string(),
  password: z.string(),
  deviceIds: z.array(z.string()).min(1),
  rate: z.number().positive(),
  durationMs: z.number().int().positive().max(3_600_000),
})
const s = Settings.parse(JSON.parse(process.env.BENCH_LOAD ?? '{}'))

const report = await runLoad({
  url: s.url,
  devices: s.deviceIds.length,
  connections: s.deviceIds.length,
  qos: 1,
  rate: s.rate,
  durationMs: s.durationMs,
  username: s.username,
  password: s.password,
  deviceId: (i) => s.deviceIds[i % s.deviceIds.length]!,
  topic: (d) => `urbantwin/v1/devices/${d}/up`,
  // a reading of now: each becomes the Datastream's latest value
  payload: (_d, seq) =>
    JSON.stringify({
      time: new Date().toISOString(),
      distanceMm: 400 + (seq % 1400),
      temperature: 9.5 + (seq % 7) / 10,
      batteryLevel: 0.87,
      tiltAngle: 2.25,
      status: 'ok',
    }),
})
process.stdout.write(
  JSON.stringify({ acked: report.acked, errors: report.errors, connectMs: report.connectMs }) + '\n',
)
process.exit(0)
