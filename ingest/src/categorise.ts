/** Quarantine categories, so operators can count what goes wrong by kind of fault. */
export type QuarantineCategory =
  'privacy' | 'unknown-device' | 'bad-json' | 'schema' | 'envelope' | 'clock' | 'topic' | 'other'

const RULES: Array<[RegExp, QuarantineCategory]> = [
  [/^privacy:/, 'privacy'],
  [/is not registered|has unknown kind|has no Datastream/, 'unknown-device'],
  [/not valid (JSON|UTF-8)|exceeds \d+/, 'bad-json'],
  [/envelope|fPort|frame|network server|binary decoder/i, 'envelope'],
  [/does not match the schema|question/, 'schema'],
  [/after receipt/, 'clock'],
  [/not a device uplink topic|names device/, 'topic'],
]

/** The category of a refusal reason (pure). */
export function categorise(reason: string): QuarantineCategory {
  for (const [pattern, category] of RULES) if (pattern.test(reason)) return category
  return 'other'
}
