import { describe, expect, it } from 'vitest'
import { categorise } from './categorise.ts'

describe('quarantine categories', () => {
  it.each([
    ['privacy: clients[0] holds a hardware (MAC) address; only counts may be sent', 'privacy'],
    ['device ghost is not registered', 'unknown-device'],
    ['payload is not valid JSON', 'bad-json'],
    ['payload of 20000 bytes exceeds 16384', 'bad-json'],
    ['payload does not match the schema: fillingLevel: Too big', 'schema'],
    ['The Things Stack envelope does not match its format: end_device_ids: Required', 'envelope'],
    ['ultrasonic frame expected on fPort 2, got 1', 'envelope'],
    [
      'phenomenonTime 2026-11-23T09:00:00Z is more than 10 minutes after receipt 2026-11-23T08:00:00Z',
      'clock',
    ],
    ['envelope names device a but the topic names b', 'envelope'],
    ['something new', 'other'],
  ])('%s → %s', (reason, category) => {
    expect(categorise(reason)).toBe(category)
  })
})
