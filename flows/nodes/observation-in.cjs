'use strict'
/**
 * `urbantwin-observation-in`: one msg per stored observation from the platform's ObservationFeed
 * (@urbantwin/model events.ts), optionally filtered by device kind and stream key.
 * The feed arrives as `RED.settings.urbantwin.observations` (see src/settings.ts). Read it as a direct
 * property: `RED.settings.get()` deep-clones values, and a cloned EventEmitter never fires.
 * Plain CommonJS because Node-RED 4 loads node files with require(); Node-RED finds the editor
 * definition next to it (observation-in.html).
 */

const TYPE = 'urbantwin-observation-in'
/** Device kind ids and stream keys: `clothing-container`, `fillingLevel`. Empty = no filter. */
const FILTER = /^[A-Za-z0-9._-]*$/

/**
 * Node config boundary (the flows file is operator-edited). zod is not a dependency of this package's
 * nodes, and two optional strings do not need it.
 * @param {Record<string, unknown>} config
 * @returns {{ ok: true, kind: string | null, key: string | null } | { ok: false, reason: string }}
 */
function parseConfig(config) {
  const out = {}
  for (const field of ['kind', 'key']) {
    const raw = config[field] ?? ''
    if (typeof raw !== 'string') return { ok: false, reason: `${field} must be a string` }
    const value = raw.trim()
    if (!FILTER.test(value)) return { ok: false, reason: `${field} may only contain letters, digits, . _ -` }
    out[field] = value === '' ? null : value
  }
  return { ok: true, kind: out.kind, key: out.key }
}

/** The msg for one observation event. The event is cloned so downstream nodes cannot alter it for others. */
function toMessage(event) {
  const observation = structuredClone(event)
  return {
    topic: `urbantwin/${observation.deviceId}/${observation.key}`,
    payload: observation.result,
    observation,
  }
}

module.exports = function register(RED) {
  function ObservationInNode(config) {
    RED.nodes.createNode(this, config)
    const parsed = parseConfig(config)
    if (!parsed.ok) {
      this.status({ fill: 'red', shape: 'ring', text: 'invalid config' })
      this.error(parsed.reason)
      return
    }
    const feed = RED.settings.urbantwin && RED.settings.urbantwin.observations
    if (!feed || typeof feed.on !== 'function' || typeof feed.off !== 'function') {
      this.status({ fill: 'red', shape: 'ring', text: 'no observation feed' })
      this.error('settings.urbantwin.observations is missing: Node-RED was not started by the platform')
      return
    }

    const listener = (event) => {
      if (parsed.kind !== null && event.kind !== parsed.kind) return
      if (parsed.key !== null && event.key !== parsed.key) return
      try {
        this.send(toMessage(event))
      } catch (err) {
        // Never throw into the feed: the emitter is the platform's ingest pipeline.
        this.error(err)
      }
    }
    feed.on('observation', listener)
    this.status({
      fill: 'green',
      shape: 'dot',
      text: [parsed.kind, parsed.key].filter(Boolean).join(' / ') || 'all',
    })

    this.on('close', (done) => {
      feed.off('observation', listener)
      done()
    })
  }

  RED.nodes.registerType(TYPE, ObservationInNode)
}

module.exports.parseConfig = parseConfig
module.exports.toMessage = toMessage
