export { createApp, API_DEFAULTS, type AppDeps, type Readiness } from './app.ts'
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
export {
  MqttAccountInfo,
  NewMqttAccount,
  IssuedMqttLogin,
  RevokedMqttLogin,
  type MqttAccountsDeps,
} from './routes/mqtt-accounts.ts'
export { OpenDataLicence, defaultOpenData } from './sta/export/licence.ts'
export { openApiDocument, type OpenApiOptions } from './docs/openapi.ts'
export { asyncApiDocument, type AsyncApiOptions, type UplinkKind } from './docs/asyncapi.ts'
export { MQTT_CHANNELS, type MqttChannel } from './docs/mqtt-channels.ts'
export { observationJson, select, type Links } from './sta/serialize.ts'
export { parseQuery } from './sta/odata/parse.ts'
export { ENTITY_SETS } from './sta/query.ts'
export {
  createStaMqtt,
  type StaMqtt,
  type StaMqttDeps,
  type StaMqttChannel,
  type StaMqttStats,
} from './sta/mqtt/live.ts'
export { parseStaTopic, type StaTopic } from './sta/mqtt/topic.ts'
export { observationFromMessage } from './sta/mqtt/create.ts'
