export { createApp, type AppDeps } from './app.ts'
export { HttpError } from './http/errors.ts'
export { DeviceRegistration, type RegisteredDevice, type DevicesDeps } from './routes/devices.ts'
