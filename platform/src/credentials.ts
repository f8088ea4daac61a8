import { join } from 'node:path'
import { API_KEYS_FILE, openApiKeyStore, prepareApiKeys, type ApiKeyStore } from './api-keys.ts'
import { dropLegacyApiKey, loadOrCreateSecrets, recordInitialCredential, type Secrets } from './secrets.ts'

export type Credentials = {
  secrets: Secrets
  apiKeys: ApiKeyStore
  /** What this start generated and the operator must be shown once (it is also in initial-credentials.txt). */
  firstStart: { nodeRedPassword: string | null; adminApiKey: string | null } | null
  /** True when the plaintext operator key of an older `secrets.json` was moved, hashed, into the key file. */
  movedLegacyKey: boolean
}

/**
 * Start-up credentials in DATA_DIR: generated secrets, and the API key file (created with one admin
 * key). An older `secrets.json` with `apiAdminKey` keeps its key working as the admin key `legacy`,
 * stored hashed; the plaintext is then removed from `secrets.json`.
 */
export async function prepareCredentials(
  dataDir: string,
  hashPassword: (p: string) => Promise<string>,
  now: Date,
): Promise<Credentials> {
  const loaded = await loadOrCreateSecrets(dataDir, hashPassword)
  const apiKeys = openApiKeyStore(join(dataDir, API_KEYS_FILE))
  const legacy = loaded.secrets.apiAdminKey
  const { initialAdminKey, importedLegacy } = prepareApiKeys(apiKeys, legacy, now)
  // the key file holds the hash now (imported this time, or before a crash): drop the plaintext
  const secrets = legacy === undefined ? loaded.secrets : dropLegacyApiKey(dataDir, loaded.secrets)
  if (initialAdminKey)
    recordInitialCredential(dataDir, `Admin API key (Authorization: Bearer <key>): ${initialAdminKey}`)
  const firstStart =
    loaded.firstStart || initialAdminKey
      ? { nodeRedPassword: loaded.firstStart?.nodeRedPassword ?? null, adminApiKey: initialAdminKey }
      : null
  return { secrets, apiKeys, firstStart, movedLegacyKey: importedLegacy }
}
