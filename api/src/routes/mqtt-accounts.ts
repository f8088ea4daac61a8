import { Router } from 'express'
import { z } from 'zod'
import { DeviceId, LorawanNetwork } from '@urbantwin/model'
import { HttpError } from '../http/errors.ts'
import { parse } from '../http/parse.ts'

/** MQTT usernames: the device id for a device, any name of the same alphabet for other logins. */
const Username = DeviceId.describe('MQTT username (a device login: the device id)')

/** An MQTT login as operators see it: never its secret or hash. */
export const MqttAccountInfo = z.object({
  username: Username,
  role: z.enum(['device', 'bridge', 'gateway', 'admin']),
  deviceId: DeviceId.nullable().describe('The device a device login publishes for'),
  network: LorawanNetwork.nullable().describe("A bridge's LoRaWAN network server (tts or chirpstack)"),
  issuedAt: z.iso.datetime().nullable().describe('When its current secret was issued'),
})
export type MqttAccountInfo = z.infer<typeof MqttAccountInfo>

/**
 * A new login. `device`: for a registered device (username = device id; or register it with
 * POST /api/devices, which issues its login too); `bridge`: a LoRaWAN network server's MQTT integration,
 * publishing only its `network`'s uplinks. Admin and gateway logins are made by the platform itself.
 */
export const NewMqttAccount = z.discriminatedUnion('role', [
  z.object({ role: z.literal('device'), username: Username }).strict(),
  z.object({ role: z.literal('bridge'), username: Username, network: LorawanNetwork }).strict(),
])
export type NewMqttAccount = z.infer<typeof NewMqttAccount>

/** A login with its secret, answered once when it is issued (created or rotated); only its hash is kept. */
export const IssuedMqttLogin = MqttAccountInfo.extend({
  password: z.string().describe('The secret, shown only this once (stored hashed)'),
  disconnected: z.number().int().min(0).describe('Connections of this login closed by the change'),
})
export type IssuedMqttLogin = z.infer<typeof IssuedMqttLogin>

export type MqttAccountsDeps = {
  list: () => Promise<MqttAccountInfo[]>
  /** `exists` when the username is taken, `unknown-device` when a device login names no registered device. */
  create: (a: NewMqttAccount) => Promise<IssuedMqttLogin | 'exists' | 'unknown-device'>
  /**
   * A new secret; the old one stops working and its connections are closed. null: no such login;
   * `reserved`: one of the platform's own logins (admin, gateway), which it manages itself.
   */
  rotate: (username: string) => Promise<IssuedMqttLogin | null | 'reserved'>
  /** Deletes the login and closes its connections at once: how many it closed (null, `reserved`: as above). */
  revoke: (username: string) => Promise<number | null | 'reserved'>
}

/** The answer to a revocation. */
export const RevokedMqttLogin = z.object({
  username: Username,
  disconnected: z.number().int().min(0).describe('Connections of this login closed at once'),
})

const reserved = (username: string) =>
  new HttpError(403, 'FORBIDDEN', `${username} is a login of the platform itself, not managed here`)

const usernameOf = (raw: unknown) => parse(Username, raw, 'username')

/** Operator endpoints for MQTT logins: list, create, rotate, revoke (guarded in app.ts: `provision`). */
export function mqttAccountsRouter(deps: MqttAccountsDeps): Router {
  const router = Router()
  router.get('/', async (_req, res) => {
    res.json({ value: await deps.list() })
  })
  router.post('/', async (req, res) => {
    if (!req.is('application/json'))
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json')
    const body = parse(NewMqttAccount, req.body, 'MQTT login')
    const made = await deps.create(body)
    if (made === 'exists')
      throw new HttpError(409, 'CONFLICT', `MQTT login ${body.username} exists: rotate or revoke it`)
    if (made === 'unknown-device')
      throw new HttpError(
        400,
        'BAD_REQUEST',
        `no registered device ${body.username}: POST /api/devices first`,
      )
    res.status(201).json(made)
  })
  router.post('/:username/rotate', async (req, res) => {
    const username = usernameOf(req.params.username)
    const issued = await deps.rotate(username)
    if (!issued) throw new HttpError(404, 'NOT_FOUND', `no MQTT login ${username}`)
    if (issued === 'reserved') throw reserved(username)
    res.json(issued)
  })
  router.delete('/:username', async (req, res) => {
    const username = usernameOf(req.params.username)
    const disconnected = await deps.revoke(username)
    if (disconnected === null) throw new HttpError(404, 'NOT_FOUND', `no MQTT login ${username}`)
    if (disconnected === 'reserved') throw reserved(username)
    res.json({ username, disconnected })
  })
  return router
}
