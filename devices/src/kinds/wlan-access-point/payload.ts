import { z } from 'zod'

/**
 * FIWARE Smart Data Models `dataModel.WifiNetwork/AccessPoint.apState` (schema 0.1.1): `up` = the access
 * point is working, `down` = it is not working or shut down.
 */
export const ApState = z.enum(['up', 'down'])
export type ApState = z.infer<typeof ApState>

/** The per-band client counts, by payload field (and Datastream key), with their band label. */
export const BAND_FIELDS = {
  clientsConnected24: '2.4 GHz',
  clientsConnected5: '5 GHz',
  clientsConnected6: '6 GHz',
} as const
export type BandField = keyof typeof BAND_FIELDS

/**
 * Plausibility caps, not product limits: an 802.11 BSS has at most 2007 association ids and an AP
 * serves a few BSSs; the fastest Wi-Fi 7 AP moves well under 100 Gbit/s.
 */
const MAX_CLIENTS = 10_000
const MAX_BIT_PER_SECOND = 100e9

const Clients = z.number().int().min(0).max(MAX_CLIENTS)
const BitPerSecond = z.number().min(0).max(MAX_BIT_PER_SECOND)

/**
 * Native JSON uplink of a public M-WLAN access point (or of its controller on its behalf). Names follow
 * FIWARE Smart Data Models `dataModel.WifiNetwork/AccessPoint` where it has them (`clientsConnected`,
 * `apState`); the model has no per-band counts, uptime or throughput, so those are our own names.
 *
 * **Counts only.** There is no field for client identifiers (MAC addresses, IPs, host names) and the
 * object is strict, so nothing else can ride along; `checkPrivacy` runs before this schema anyway.
 * Consistency: per-band counts need the total and add up to at most it (clients on a band the AP
 * does not break down stay in the total only); an AP that is `down` reports no clients.
 *
 * Example: `{"time":"2026-11-23T18:00:00Z","apState":"up","clientsConnected":37,"clientsConnected24":12,
 * "clientsConnected5":25,"uptime":86400,"throughputRx":18500000,"throughputTx":42000000}`
 */
export const WlanAccessPointPayload = z
  .strictObject({
    time: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the AP measured; receipt time if absent'),
    apState: ApState.optional().describe('AccessPoint.apState: up or down'),
    clientsConnected: Clients.optional().describe(
      'AccessPoint.clientsConnected: clients associated now, all bands',
    ),
    clientsConnected24: Clients.optional().describe('Of those, clients on the 2.4 GHz band'),
    clientsConnected5: Clients.optional().describe('Of those, clients on the 5 GHz band'),
    clientsConnected6: Clients.optional().describe('Of those, clients on the 6 GHz band'),
    uptime: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe('Seconds since the AP last booted'),
    throughputRx: BitPerSecond.optional().describe(
      'Received from clients, bit/s, averaged over the report interval',
    ),
    throughputTx: BitPerSecond.optional().describe(
      'Sent to clients, bit/s, averaged over the report interval',
    ),
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'time'), {
    message: 'a reading needs at least one value besides time',
  })
  .superRefine((p, ctx) => {
    const bands = (Object.keys(BAND_FIELDS) as BandField[]).filter((f) => p[f] !== undefined)
    if (bands.length === 0) return
    if (p.clientsConnected === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `per-band counts (${bands.join(', ')}) need the total clientsConnected`,
      })
      return
    }
    const sum = bands.reduce((s, f) => s + (p[f] ?? 0), 0)
    if (sum > p.clientsConnected) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientsConnected'],
        message: `per-band counts add up to ${sum}, more than the ${p.clientsConnected} clients connected`,
      })
    }
  })
  .refine((p) => p.apState !== 'down' || !p.clientsConnected, {
    path: ['clientsConnected'],
    message: 'an access point that is down has no clients connected',
  })
export type WlanAccessPointPayload = z.infer<typeof WlanAccessPointPayload>
