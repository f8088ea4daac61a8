import { Command, Option } from 'commander'
import { IssuedMqttLogin, MqttAccountInfo, RevokedMqttLogin } from '@urbantwin/api'
import { LorawanNetwork } from '@urbantwin/model'
import { z } from 'zod'
import { textTable } from './text-table.ts'

export type MqttAccountCommandDeps = {
  /** The running platform's address (from HTTP_PORT), unless --url or URBANTWIN_URL say otherwise. */
  url: string
  /** An operator or admin API key (URBANTWIN_API_KEY), unless --key says otherwise. */
  key?: string | undefined
  out?: (text: string) => void
  err?: (text: string) => void
  fetch?: typeof fetch
}

function table(accounts: MqttAccountInfo[]): string {
  const rows = [
    ['USERNAME', 'ROLE', 'DEVICE', 'NETWORK', 'ISSUED'],
    ...accounts.map((a) => [a.username, a.role, a.deviceId ?? '-', a.network ?? '-', a.issuedAt ?? '-']),
  ]
  return textTable(rows)
}

/**
 * `urbantwin mqtt-account list|create|rotate|revoke`: MQTT logins of a running platform, through its
 * operator API (`/api/mqtt/accounts`; the store belongs to the platform's process). A secret is printed
 * once, alone, on stdout; a rotated or revoked login's connections are closed at once.
 */
export function mqttAccountCommand(deps: MqttAccountCommandDeps): Command {
  const out = deps.out ?? ((t: string) => process.stdout.write(t))
  const err = deps.err ?? ((t: string) => process.stderr.write(t))
  const doFetch = deps.fetch ?? fetch
  const cmd = new Command('mqtt-account')
    .description('MQTT logins of the running platform (devices, LoRaWAN bridges), stored hashed')
    .option('--url <url>', 'the platform (URBANTWIN_URL)', deps.url)
    .option('--key <key>', 'an operator or admin API key (URBANTWIN_API_KEY)', deps.key)

  /** Calls the API; a refusal ends the command with the API's message. */
  async function call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const { url, key } = cmd.opts<{ url: string; key?: string }>()
    if (!key)
      cmd.error('an API key is needed: --key or URBANTWIN_API_KEY (npm run urbantwin -- api-key create)')
    const res = await doFetch(`${url.replace(/\/+$/, '')}/api/mqtt/accounts${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((e: unknown) => cmd.error(`cannot reach the platform at ${url}: ${(e as Error).message}`))
    const json: unknown = await res.json().catch(() => null)
    if (!res.ok) {
      const message = (json as { message?: string } | null)?.message ?? res.statusText
      cmd.error(`${res.status}: ${message}`, { exitCode: 1 })
    }
    return schema.parse(json)
  }
  const issued = (what: string, l: IssuedMqttLogin) => {
    err(
      `${what} ${l.role} login ${l.username}` +
        (l.disconnected > 0 ? `; closed ${l.disconnected} connection(s) of the old secret` : '') +
        '; its secret is shown only this once:\n',
    )
    out(`${l.password}\n`)
  }

  cmd
    .command('list')
    .description('list logins (usernames, roles, issue times; never secrets)')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      const { value } = await call(z.object({ value: z.array(MqttAccountInfo) }), 'GET', '')
      out(o.json ? JSON.stringify(value, null, 2) + '\n' : table(value))
    })

  cmd
    .command('create')
    .description("create a registered device's login, or a LoRaWAN bridge's, and print its secret once")
    .argument('<username>', 'the device id, or a name for the bridge')
    .addOption(
      new Option('--role <role>', 'device | bridge').choices(['device', 'bridge']).makeOptionMandatory(),
    )
    .addOption(new Option('--network <server>', "a bridge's network server").choices(LorawanNetwork.options))
    .action(async (username: string, o: { role: 'device' | 'bridge'; network?: LorawanNetwork }) => {
      if (o.role === 'bridge' && !o.network) cmd.error('a bridge needs --network tts or --network chirpstack')
      const body =
        o.role === 'bridge' ? { role: o.role, username, network: o.network } : { role: o.role, username }
      issued('created', await call(IssuedMqttLogin, 'POST', '', body))
    })

  cmd
    .command('rotate')
    .description('issue a new secret; the old one stops working and its connections are closed')
    .argument('<username>')
    .action(async (username: string) => {
      issued('rotated', await call(IssuedMqttLogin, 'POST', `/${encodeURIComponent(username)}/rotate`))
    })

  cmd
    .command('revoke')
    .description('delete a login; its connections are closed at once')
    .argument('<username>')
    .action(async (username: string) => {
      const r = await call(RevokedMqttLogin, 'DELETE', `/${encodeURIComponent(username)}`)
      err(`revoked ${r.username}; closed ${r.disconnected} connection(s)\n`)
    })
  return cmd
}
