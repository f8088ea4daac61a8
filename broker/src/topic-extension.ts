import type { Decision } from './auth/policy.ts'

/**
 * A family of topics whose meaning a service defines, e.g. the SensorThings MQTT extension
 * (`v1.1/…`, implemented in `@urbantwin/api`). The broker authenticates, applies its ACL and routes;
 * the extension says which filters exist, stores what clients publish, and sends what is new. Only
 * the extension's own messages reach subscribers of its topics: a client's PUBLISH there is input to
 * the extension, never forwarded as it is.
 */
export type TopicExtension = {
  /** Topics and filters starting with this belong to the extension, e.g. `v1.1/`. */
  readonly prefix: string
  /** Whether `filter` names something the extension serves (the ACL has admitted the client already). */
  subscribable(filter: string): Decision
  /**
   * A client's PUBLISH on one of its topics (the ACL has admitted it). Resolves once the message is
   * stored (the broker acknowledges QoS 1/2 only then) or refused with a reason; never rejects.
   */
  publish(msg: ExtensionMessage): Promise<Decision>
  /** Called once by the broker with the way to its subscribers. */
  attach(channel: ExtensionChannel): void
}

export type ExtensionMessage = { topic: string; payload: Uint8Array; clientId: string }

export type ExtensionChannel = {
  /** Sends `payload` to the subscribers of exactly `topic` (QoS 0, not retained). */
  deliver(topic: string, payload: string): void
  /** The extension's topics someone subscribes to now; a new Set object after every change. */
  subscribed(): ReadonlySet<string>
}
