/**
 * Base64 for LoRaWAN payloads in network-server JSON. Both servers marshal `bytes` fields the
 * protobuf JSON way (proto3 JSON mapping: "either standard or URL-safe base64 encoding with/without
 * paddings are accepted"), so decoding accepts all four spellings and encoding writes standard, padded.
 * Uses `atob`/`btoa` (Node ≥ 16 and browsers), not `Buffer`, which silently skips invalid characters.
 */
const ALPHABET = /^[A-Za-z0-9+/_-]*={0,2}$/

/** Base64 text → bytes, or null when the text is not base64. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!ALPHABET.test(text)) return null
  const bare = text.replace(/=+$/, '')
  if (bare.length % 4 === 1) return null
  if (bare.length !== text.length && text.length % 4 !== 0) return null
  const standard = bare.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Bytes → standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}
