import { join, resolve } from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { ApiRole } from '@urbantwin/api'
import { API_KEYS_FILE, openApiKeyStore, type ApiKeyInfo } from './api-keys.ts'
import { textTable } from './text-table.ts'

export type ApiKeyCommandDeps = {
  /** DATA_DIR of the platform (the key file lives there), unless --data-dir says otherwise. */
  dataDir: string
  out?: (text: string) => void
  err?: (text: string) => void
  now?: () => Date
}

const future = (now: () => Date) => (v: string) => {
  const d = new Date(v)
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError('an ISO 8601 date or instant, e.g. 2027-01-01')
  if (d <= now()) throw new InvalidArgumentError('a time in the future')
  return d
}

const name = (v: string) => {
  const t = v.trim()
  if (t.length < 1 || t.length > 100) throw new InvalidArgumentError('1 to 100 characters')
  return t
}

function table(keys: ApiKeyInfo[]): string {
  const rows = [
    ['ID', 'ROLE', 'STATUS', 'CREATED', 'EXPIRES', 'NAME'],
    ...keys.map((k) => [k.id, k.role, k.status, k.createdAt, k.expiresAt ?? '-', k.name]),
  ]
  return textTable(rows)
}

/**
 * `urbantwin api-key create|list|revoke`: edits `DATA_DIR/api-keys.json`, also while the platform runs
 * (it notices the change at the next request). A new key is printed once, alone, on stdout.
 */
export function apiKeyCommand(deps: ApiKeyCommandDeps): Command {
  const out = deps.out ?? ((t: string) => process.stdout.write(t))
  const err = deps.err ?? ((t: string) => process.stderr.write(t))
  const now = deps.now ?? (() => new Date())
  const cmd = new Command('api-key')
    .description('API keys of the HTTP API (stored hashed in DATA_DIR/api-keys.json)')
    .option('--data-dir <dir>', 'data directory of the platform', deps.dataDir)
  const store = () => openApiKeyStore(join(resolve(cmd.opts<{ dataDir: string }>().dataDir), API_KEYS_FILE))

  cmd
    .command('create')
    .description('create a key and print it once (only its hash is kept)')
    .requiredOption('--name <name>', 'who or what uses the key', name)
    .addOption(
      new Option('--role <role>', 'admin | operator | device | reader')
        .choices(ApiRole.options)
        .makeOptionMandatory(),
    )
    .option('--expires <instant>', 'expiry, ISO 8601 (e.g. 2027-01-01)', future(now))
    .action((o: { name: string; role: ApiRole; expires?: Date }) => {
      const { id, token } = store().create(
        { name: o.name, role: o.role, expiresAt: o.expires ?? null },
        now(),
      )
      err(`created ${o.role} key ${id} "${o.name}"; it is shown only this once:\n`)
      out(`${token}\n`)
    })

  cmd
    .command('list')
    .description('list keys (ids, names, roles, status; never secrets)')
    .option('--json', 'as JSON')
    .action((o: { json?: boolean }) => {
      const keys = store().list(now())
      out(o.json ? JSON.stringify(keys, null, 2) + '\n' : table(keys))
    })

  cmd
    .command('revoke')
    .description('revoke a key by id; the running platform refuses it from the next request')
    .argument('<id>', 'key id (see list)')
    .action((id: string) => {
      if (!store().revoke(id, now())) cmd.error(`no API key with id ${id}`, { exitCode: 1 })
      err(`revoked ${id}\n`)
    })
  return cmd
}
