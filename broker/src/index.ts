export { createBroker, type Broker, type BrokerDeps } from './broker.ts'
export { hashSecret, hashToken, verifySecret, generateSecret } from './auth/credentials.ts'
export { decidePublish, decideSubscribe, type Principal, type Decision } from './auth/policy.ts'
