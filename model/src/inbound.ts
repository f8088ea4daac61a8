/** A message as the broker accepted it, before decoding. */
export type Inbound = {
  topic: string
  payload: Uint8Array
  /** ISO 8601 instant of receipt at the broker. */
  receivedAt: string
  clientId: string | null
}
