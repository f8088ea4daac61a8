export { createApp, API_DEFAULTS, type AppDeps } from './app.ts'
export { HttpError } from './http/errors.ts'
export {
  requirePermission,
  principalOf,
  type ApiKeyVerifier,
  type KeyCheck,
  type Principal,
} from './http/auth.ts'
export { ApiRole, Permission, can, staPermission } from './http/permissions.ts'
export type { RateLimits } from './http/rate-limit.ts'
export { DeviceRegistration, type RegisteredDevice, type DevicesDeps } from './routes/devices.ts'
