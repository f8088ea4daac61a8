export { startPlatform, type RunningPlatform, type PlatformHealth } from './platform.ts'
export { loadConfig, envExample, Env, type Config } from './config.ts'
export { loadOrCreateSecrets, SECRETS_FILE, INITIAL_CREDENTIALS_FILE, type Secrets } from './secrets.ts'
