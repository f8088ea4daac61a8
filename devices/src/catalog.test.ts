import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { deviceKinds } from './catalog.ts'

describe('device kinds', () => {
  it('each declares its native uplink schema, which converts to a JSON Schema of its fields (API docs)', () => {
    for (const kind of deviceKinds.values()) {
      const schema = z.toJSONSchema(kind.payload, { io: 'input', target: 'draft-07' }) as {
        type?: string
        properties?: Record<string, unknown>
      }
      expect(schema.type, kind.id).toBe('object')
      expect(Object.keys(schema.properties ?? {}).length, kind.id).toBeGreaterThan(1)
    }
  })
})
