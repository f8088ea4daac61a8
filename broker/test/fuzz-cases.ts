/**
 * What the packet fuzzer sends (fast-check arbitraries): random bytes, and packets of every type from
 * mqtt-packet's `generate`, mutated — bytes flipped, truncated, wrong or huge Remaining Length, bad UTF-8
 * in strings, invalid flags, reserved packet types. `password` is the admin's, so that a valid CONNECT
 * can open the way to the handlers behind the login.
 */
import fc from 'fast-check'
import { generate, type Packet } from 'mqtt-packet'
import { connectPacket } from '../testing/packets.ts'

/** Stands in a topic or id for bytes that are not UTF-8; replaced after `generate` (same length). */
const BAD_UTF8 = 'BADUTF8'
const BAD_UTF8_BYTES = [
  [0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9], // never valid in UTF-8
  [0xc0, 0x80, 0xc0, 0x80, 0xc0, 0x80, 0x61], // overlong NUL (MQTT-1.5.3-2)
  [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0x61], // UTF-16 surrogates (MQTT-1.5.3-1)
  [0x61, 0x00, 0x62, 0x00, 0x63, 0x00, 0x64], // U+0000 (MQTT-1.5.3-2)
  [0xe2, 0x82, 0x61, 0xf0, 0x9f, 0x98, 0x62], // truncated sequences
]

const topic = fc.oneof(
  fc.constantFrom(
    'urbantwin/v1/devices/c-1/up',
    'urbantwin/v1/devices/c-2/up',
    'v1.1/Datastreams(1)/Observations',
    'a/b',
    '$SYS/x',
    '#',
    '+/+',
    '',
    `a/${BAD_UTF8}`,
    BAD_UTF8,
  ),
  fc
    .array(fc.constantFrom('a', 'b', '/', '+', '#', '$', ' ', 'é', '\u0000', '😀', 'up', BAD_UTF8), {
      maxLength: 12,
    })
    .map((parts) => parts.join('')),
  fc.string({ maxLength: 40 }),
)
const qos = fc.constantFrom<0 | 1 | 2>(0, 1, 2)
/** Mostly 1–4, so acknowledgements meet the publishes they answer; 0 is invalid for QoS > 0 (MQTT-2.3.1-1). */
const messageId = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
)
const payload = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))

function loginConnect(
  login: 'none' | 'admin' | 'wrong',
  fields: { clientId: string; clean: boolean; keepalive: number; protocolVersion: 3 | 4 | 5 },
  password: string,
): Packet {
  return connectPacket({
    protocolId: fields.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    ...fields,
    ...(login === 'none'
      ? {}
      : { username: 'ops', password: Buffer.from(login === 'admin' ? password : 'nope') }),
  })
}

/** Every packet type mqtt-packet can generate, those only a server sends included. */
const packet = (password: string): fc.Arbitrary<Packet> =>
  fc.oneof(
    fc
      .record({
        login: fc.constantFrom<'none' | 'admin' | 'wrong'>('none', 'admin', 'wrong'),
        clientId: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }), fc.constant(BAD_UTF8)),
        clean: fc.boolean(),
        keepalive: fc.oneof(fc.constant(60), fc.integer({ min: 0, max: 65535 })),
        protocolVersion: fc.constantFrom<3 | 4 | 5>(3, 4, 4, 4, 5),
        will: fc.option(fc.record({ topic, payload, qos, retain: fc.boolean() }), { nil: undefined }),
      })
      .map(
        ({ login, will, ...fields }) =>
          ({ ...loginConnect(login, fields, password), ...(will ? { will } : {}) }) as Packet,
      ),
    weighted(4, {
      cmd: fc.constant('publish' as const),
      topic,
      payload,
      qos,
      retain: fc.boolean(),
      dup: fc.boolean(),
      messageId,
    }),
    weighted(3, {
      cmd: fc.constant('subscribe' as const),
      messageId,
      subscriptions: fc.array(fc.record({ topic, qos }), { maxLength: 4 }),
    }),
    weighted(2, {
      cmd: fc.constant('unsubscribe' as const),
      messageId,
      unsubscriptions: fc.array(topic, { maxLength: 4 }),
    }),
    weighted(3, {
      cmd: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const),
      messageId,
    }),
    fc.constantFrom<Packet>({ cmd: 'pingreq' }, { cmd: 'disconnect' }, { cmd: 'pingresp' }),
    fc.record({
      cmd: fc.constant('connack' as const),
      returnCode: fc.integer({ min: 0, max: 255 }),
      sessionPresent: fc.boolean(),
    }),
    fc.record({
      cmd: fc.constant('suback' as const),
      messageId,
      granted: fc.array(fc.constantFrom(0, 1, 2, 128), { maxLength: 3 }),
    }),
    fc.record({ cmd: fc.constant('unsuback' as const), messageId, granted: fc.constant<number[]>([]) }),
  )

function weighted<T>(weight: number, fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) {
  return { weight, arbitrary: fc.record(fields) }
}

/** The packet's bytes, its BAD_UTF8 markers turned into bytes that are not UTF-8; null if mqtt-packet refuses it. */
function encode(p: Packet, badUtf8: number[]): Buffer | null {
  let bytes: Buffer
  try {
    bytes = generate(p, { protocolVersion: p.cmd === 'connect' ? p.protocolVersion : 4 })
  } catch {
    return null // e.g. a wildcard in a publish topic: mqtt-packet will not write it
  }
  for (let at = bytes.indexOf(BAD_UTF8); at >= 0; at = bytes.indexOf(BAD_UTF8, at)) bytes.set(badUtf8, at)
  return bytes
}

/** MQTT-2.2.3 variable-length encoding. */
export function remainingLength(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return out
}

/** Where the body of `b` starts (after the type byte and up to four length bytes). */
function bodyStart(b: Buffer): number {
  let i = 1
  while (i < b.length && i < 5 && (b[i]! & 0x80) !== 0) i++
  return Math.min(i + 1, b.length)
}

type Mutation = (b: Buffer) => Buffer
const withLength =
  (lengthBytes: number[]): Mutation =>
  (b) =>
    Buffer.concat([b.subarray(0, 1), Buffer.from(lengthBytes), b.subarray(bodyStart(b))])

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>((b) => b) },
  // flip bytes
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((flips): Mutation => (b) => {
      const c = Buffer.from(b)
      for (const [i, x] of flips) if (c.length > 0) c[i % c.length]! ^= x
      return c
    }),
  // truncate
  fc.nat().map(
    (n): Mutation =>
      (b) =>
        b.subarray(0, n % (b.length + 1)),
  ),
  // wrong Remaining Length: any, or declared near the largest MQTT allows (256 MB), or five bytes long
  fc.integer({ min: 0, max: 300 }).map((n) => withLength(remainingLength(n))),
  fc.integer({ min: 1_000_000, max: 268_435_455 }).map((n) => withLength(remainingLength(n))),
  fc.constant(withLength([0xff, 0xff, 0xff, 0xff, 0x7f])),
  // invalid flags (MQTT-2.2.2-2, PUBLISH QoS 3: MQTT-3.3.1-4)
  fc.integer({ min: 0, max: 15 }).map((flags): Mutation => (b) => {
    const c = Buffer.from(b)
    if (c.length > 0) c[0] = (c[0]! & 0xf0) | flags
    return c
  }),
  // reserved packet types 0 and 15
  fc.constantFrom(0x00, 0xf0).map((type): Mutation => (b) => {
    const c = Buffer.from(b)
    if (c.length > 0) c[0] = type | (c[0]! & 0x0f)
    return c
  }),
)

const badUtf8 = fc.constantFrom(...BAD_UTF8_BYTES)
/** Topics and filters a well-behaved client uses, so the packets around a mutated one get far into the broker. */
const plainTopic = fc.oneof(
  fc.constantFrom('urbantwin/v1/devices/c-1/up', 'a/b', 'a/c', 'v1.1/Datastreams(1)/Observations'),
  fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }).map((l) => l.join('/')),
)
const plainFilter = fc.oneof(plainTopic, fc.constantFrom('#', 'a/+', 'urbantwin/v1/devices/+/up', '+/+'))

const benignPacket: fc.Arbitrary<Buffer> = fc
  .oneof(
    weighted(4, {
      cmd: fc.constant('publish' as const),
      topic: plainTopic,
      payload,
      qos,
      retain: fc.boolean(),
      dup: fc.constant(false),
      messageId: fc.integer({ min: 1, max: 4 }),
    }),
    weighted(3, {
      cmd: fc.constant('subscribe' as const),
      messageId: fc.integer({ min: 1, max: 4 }),
      subscriptions: fc.array(fc.record({ topic: plainFilter, qos }), { minLength: 1, maxLength: 3 }),
    }),
    weighted(1, {
      cmd: fc.constant('unsubscribe' as const),
      messageId: fc.integer({ min: 1, max: 4 }),
      unsubscriptions: fc.array(plainFilter, { minLength: 1, maxLength: 3 }),
    }),
    weighted(2, {
      cmd: fc.constantFrom('puback' as const, 'pubrec' as const, 'pubrel' as const, 'pubcomp' as const),
      messageId: fc.integer({ min: 1, max: 4 }),
    }),
    { weight: 1, arbitrary: fc.constant<Packet>({ cmd: 'pingreq' }) },
  )
  .map((p) => generate(p))

const validPacket = (password: string) =>
  fc
    .tuple(packet(password), badUtf8)
    .map(([p, bad]) => encode(p, bad))
    .filter((b): b is Buffer => b !== null)

const mutatedPacket = (password: string) =>
  fc.tuple(validPacket(password), mutation).map(([bytes, mutate]) => mutate(bytes))

/** A valid CONNECT as the admin (so what follows reaches the handlers behind the login), or nothing. */
const prefix = (password: string) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 3,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 10 })
        .map((id) =>
          generate(
            loginConnect(
              'admin',
              { clientId: `fuzz-${id}`, clean: true, keepalive: 60, protocolVersion: 4 },
              password,
            ),
          ),
        ),
    },
  )

/** Bytes to send on one connection, and where to cut them into separate writes. */
export type Case = { bytes: Buffer; cuts: number[] }
const cuts = fc.array(fc.nat(), { maxLength: 4 })

/** (a) Random bytes, bare or after a valid CONNECT. */
export const randomBytes = (password: string): fc.Arbitrary<Case> =>
  fc.record({
    bytes: fc
      .tuple(prefix(password), fc.uint8Array({ minLength: 1, maxLength: 512 }))
      .map(([p, b]) => Buffer.concat([p ?? Buffer.alloc(0), b])),
    cuts,
  })

/**
 * (b) CONNECT (mostly), a few plain packets to reach some state, one mutated packet of any type, a few more plain ones.
 */
export const mutatedSession = (password: string): fc.Arbitrary<Case> =>
  fc.record({
    bytes: fc
      .tuple(
        prefix(password),
        fc.array(benignPacket, { maxLength: 4 }),
        mutatedPacket(password),
        fc.array(benignPacket, { maxLength: 2 }),
      )
      .map(([p, before, mutated, after]) => Buffer.concat([...(p ? [p] : []), ...before, mutated, ...after])),
    cuts,
  })
