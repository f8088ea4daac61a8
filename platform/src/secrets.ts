import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/** Secrets generated on first start, kept in `DATA_DIR/secrets.json` (mode 0600), never logged or committed. */
export const Secrets = z.object({
  /** Legacy: the plaintext operator key of data directories made before API keys had roles. Moved on start. */
  apiAdminKey: z.string().min(24).optional(),
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

function writeSecrets(file: string, secrets: Secrets) {
  const tmp = `${file}.tmp`
  writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, file)
}

/** Adds a line to `DATA_DIR/initial-credentials.txt` (created 0600 with a header). */
export function recordInitialCredential(dataDir: string, line: string): void {
  const file = join(dataDir, INITIAL_CREDENTIALS_FILE)
  const header = existsSync(file)
    ? ''
    : 'UrbanTwin initial credentials (generated on first start). Store them safely, then delete this file.\n'
  appendFileSync(file, `${header}${line}\n`, { mode: 0o600 })
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
    simulatorPassword: secret(),
    nodeRed: {
      username: 'admin',
      passwordHash: await hashPassword(nodeRedPassword),
      credentialSecret: secret(),
    },
  }
  writeSecrets(file, secrets)
  recordInitialCredential(
    dataDir,
    `Node-RED editor (/flows): user ${secrets.nodeRed.username}, password ${nodeRedPassword}`,
  )
  return { secrets, firstStart: { nodeRedPassword } }
}

/** Removes the legacy plaintext `apiAdminKey` from `secrets.json` once the key file holds its hash. */
export function dropLegacyApiKey(dataDir: string, secrets: Secrets): Secrets {
  const { apiAdminKey: _gone, ...rest } = secrets
  writeSecrets(join(dataDir, SECRETS_FILE), rest)
  return rest
}
