import { Router } from 'express'
import { z } from 'zod'
import { DeviceId, Id } from '@urbantwin/model'
import { HttpError } from '../http/errors.ts'
import { parse } from '../http/parse.ts'

export const DeviceRegistration = z.object({
  deviceId: DeviceId,
  kind: z.string().min(1),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  address: z.string().max(500).optional(),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  /** Thing properties the device's codec needs (e.g. `calibration`, a survey's `question`). */
  properties: z
    .record(z.string().max(64), z.unknown())
    .refine((p) => JSON.stringify(p).length <= 4096, 'properties must stay under 4 KiB of JSON')
    .optional(),
})
export type DeviceRegistration = z.infer<typeof DeviceRegistration>

/** The answer to a registration: where the device's data appears and how it logs in to MQTT. */
export const RegisteredDevice = z.object({
  deviceId: DeviceId,
  thingId: Id.describe('Its Thing in /v1.1'),
  datastreams: z
    .record(z.string(), Id)
    .describe("Datastream ids by the kind's stream key, e.g. fillingLevel"),
  mqtt: z.object({
    username: z.string().describe('The device id'),
    password: z.string().describe('A fresh token, shown only this once (stored hashed)'),
    topic: z.string().describe('Where the device publishes its uplinks'),
  }),
})
export type RegisteredDevice = z.infer<typeof RegisteredDevice>

export type DevicesDeps = {
  /** Creates or updates the device and issues a fresh MQTT token; null when the kind is unknown. */
  register: (r: DeviceRegistration) => Promise<RegisteredDevice | null>
}

/** Operator endpoint: register a device and receive its MQTT credentials (shown once). Guarded in app.ts. */
export function devicesRouter(deps: DevicesDeps): Router {
  const router = Router()
  router.post('/', async (req, res) => {
    if (!req.is('application/json'))
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json')
    const body = parse(DeviceRegistration, req.body, 'device')
    const device = await deps.register(body)
    if (!device) throw new HttpError(400, 'BAD_REQUEST', `unknown device kind ${body.kind}`)
    res.status(201).json(device)
  })
  return router
}
