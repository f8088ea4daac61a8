import type { ResolvedSettings } from './options.ts'

/** `total` split over `parts` by cumulative weights, summing exactly to `total`. Pure. */
function shares(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  let acc = 0
  return weights.map((w) => {
    const from = Math.floor((total * acc) / sum)
    acc += w
    return Math.floor((total * acc) / sum) - from
  })
}

/**
 * One process's share of a load run: contiguous device and connection ranges (ids and client ids
 * stay globally unique), messages and rate in proportion to devices. Pure.
 */
export function splitSettings(s: ResolvedSettings, processes: number): ResolvedSettings[] {
  if (!Number.isInteger(processes) || processes < 1) throw new RangeError('processes must be ≥ 1')
  if (processes > s.connections)
    throw new RangeError(`${processes} processes need ≥ ${processes} connections`)
  if (s.messages !== undefined && s.messages < processes)
    throw new RangeError(`${processes} processes need ≥ ${processes} messages`)
  const even = new Array<number>(processes).fill(1)
  const connections = shares(s.connections, even)
  const extra = shares(s.devices - s.connections, even)
  const devices = connections.map((c, i) => c + extra[i]!)
  const messages = s.messages === undefined ? null : shares(s.messages, devices)
  let firstDevice = s.firstDevice
  let firstConnection = s.firstConnection
  return devices.map((n, i) => {
    const part: ResolvedSettings = {
      ...s,
      devices: n,
      connections: connections[i]!,
      rate: (s.rate * n) / s.devices,
      firstDevice,
      firstConnection,
      ...(messages && { messages: messages[i]! }),
    }
    firstDevice += n
    firstConnection += connections[i]!
    return part
  })
}
