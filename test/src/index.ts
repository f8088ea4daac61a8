export {
  startPlatformProcess,
  tempDataDir,
  eventually,
  type PlatformProcess,
  type LogLine,
} from './platform-process.ts'
