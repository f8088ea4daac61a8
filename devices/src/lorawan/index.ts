/** LoRaWAN network-server envelopes (The Things Stack v3, ChirpStack v4) → uplinks → readings. */
export type { LorawanNetwork, LorawanUplink, UplinkEnvelopeInput } from './uplink.ts'
export { parseTtsUplink, TtsUplinkMessage } from './tts-uplink.ts'
export { parseChirpstackUplink, ChirpstackUplinkEvent } from './chirpstack-uplink.ts'
export { lorawanReadings } from './readings.ts'
export { ttsUplinkEnvelope, TTS_DEFAULT_TENANT } from './tts-envelope.ts'
export { chirpstackUplinkEnvelope, CHIRPSTACK_DEFAULT_TENANT } from './chirpstack-envelope.ts'
export { MAX_ENVELOPE_BYTES } from './envelope-json.ts'
