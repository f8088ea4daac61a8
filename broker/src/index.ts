export { createBroker, type Broker, type BrokerDeps } from './broker.ts'
export { redisCluster, type Cluster } from './cluster/redis.ts'
export {
  openSessionStore,
  SESSION_DEFAULTS,
  type SessionStore,
  type SessionStoreOptions,
  type SessionStoreStats,
} from './sessions/journal.ts'
export { DEFAULT_LIMITS, isLoopback, type BrokerLimits } from './limits/limits.ts'
export { REFUSAL_REASONS, type BrokerStats, type RefusalReason } from './stats.ts'
export { hashSecret, hashToken, verifySecret, generateSecret } from './auth/credentials.ts'
export {
  decidePublish,
  decideSubscribe,
  type AccessOptions,
  type Principal,
  type Decision,
} from './auth/policy.ts'
export { API_KEY_USERNAME, type ApiKeyLogin } from './auth/authenticate.ts'
export type { TopicExtension, ExtensionChannel, ExtensionMessage } from './topic-extension.ts'
