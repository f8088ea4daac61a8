export type { DeviceKind, DeviceContext, Reading } from './kind.ts'
export { deviceKinds, deviceKind } from './catalog.ts'
export { decodeNative, decodeValue } from './decode.ts'
export { checkPrivacy } from './privacy.ts'
export { parseJsonBytes, parseJsonPayload, validate } from './json-payload.ts'
export * from './units.ts'
export * from './kinds/clothing-container/index.ts'
export * from './kinds/wlan-access-point/index.ts'
export * from './kinds/hotspot-survey/index.ts'
export type { LorawanNetwork, LorawanUplink, UplinkEnvelopeInput } from './lorawan/index.ts'
export {
  parseTtsUplink,
  parseChirpstackUplink,
  lorawanReadings,
  ttsUplinkEnvelope,
  chirpstackUplinkEnvelope,
  TtsUplinkMessage,
  ChirpstackUplinkEvent,
  MAX_ENVELOPE_BYTES,
  TTS_DEFAULT_TENANT,
  CHIRPSTACK_DEFAULT_TENANT,
} from './lorawan/index.ts'
