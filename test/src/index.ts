export {
  startPlatformProcess,
  tempDataDir,
  eventually,
  type PlatformProcess,
  type LogLine,
} from './platform-process.ts'
export { secretsOf, registerContainer, health, GATEWAY_USER, type Health } from './operator.ts'
