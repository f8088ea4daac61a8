export { startPlatform, type RunningPlatform, type PlatformHealth } from './platform.ts'
export { loadConfig, envExample, Env, type Config } from './config.ts'
export { loadOrCreateSecrets, SECRETS_FILE, INITIAL_CREDENTIALS_FILE, type Secrets } from './secrets.ts'
export {
  openApiKeyStore,
  prepareApiKeys,
  API_KEYS_FILE,
  type ApiKeyStore,
  type ApiKeyInfo,
} from './api-keys.ts'
export { prepareCredentials, type Credentials } from './credentials.ts'
export { provisionDevice, type DeviceSpec } from './provisioning.ts'
export { scheduleCompaction, startOfUtcDay } from './compaction.ts'
