export {
  startPlatformProcess,
  tempDataDir,
  eventually,
  type PlatformProcess,
  type LogLine,
} from './platform-process.ts'
export {
  secretsOf,
  registerContainer,
  registerDevice,
  registerContainers,
  health,
  GATEWAY_USER,
  NO_SIMULATION,
  type Health,
} from './operator.ts'
