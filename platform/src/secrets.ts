import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/** Secrets generated on first start, kept in `DATA_DIR/secrets.json` (mode 0600), never logged or committed. */
export const Secrets = z.object({
  apiAdminKey: z.string().min(24),
  simulatorPassword: z.string().min(24),
  nodeRed: z.object({
    username: z.string().min(1),
    passwordHash: z.string().min(20),
    credentialSecret: z.string().min(24),
  }),
})
export type Secrets = z.infer<typeof Secrets>

export const SECRETS_FILE = 'secrets.json'
export const INITIAL_CREDENTIALS_FILE = 'initial-credentials.txt'

const secret = () => randomBytes(24).toString('base64url')

export type LoadedSecrets = {
  secrets: Secrets
  /** Set only on the start that created the secrets: what the operator must be told once. */
  firstStart: { nodeRedPassword: string } | null
}

/** Reads the secrets, or generates and stores them (and an initial-credentials file for the operator). */
export async function loadOrCreateSecrets(
  dataDir: string,
  hashPassword: (p: string) => Promise<string>,
): Promise<LoadedSecrets> {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, SECRETS_FILE)
  if (existsSync(file))
    return { secrets: Secrets.parse(JSON.parse(readFileSync(file, 'utf8'))), firstStart: null }
  const nodeRedPassword = secret()
  const secrets: Secrets = {
    apiAdminKey: secret(),
    simulatorPassword: secret(),
    nodeRed: {
      username: 'admin',
      passwordHash: await hashPassword(nodeRedPassword),
      credentialSecret: secret(),
    },
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  writeFileSync(
    join(dataDir, INITIAL_CREDENTIALS_FILE),
    [
      'UrbanTwin initial credentials (generated on first start). Store them safely, then delete this file.',
      `Node-RED editor (/flows): user ${secrets.nodeRed.username}, password ${nodeRedPassword}`,
      `Operator API key (Authorization: Bearer …): ${secrets.apiAdminKey}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  return { secrets, firstStart: { nodeRedPassword } }
}
