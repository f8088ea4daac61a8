import { describe, expect, it } from 'vitest'
import { requireBinary } from './process.ts'

describe('requireBinary', () => {
  it('finds an installed program and names the Debian package of a missing one', () => {
    expect(requireBinary('sh', 'dash')).toMatch(/\/sh$/)
    expect(() => requireBinary('no-such-engine-here', 'no-such-package')).toThrow(
      'no-such-engine-here not found: this test needs the Debian package no-such-package (apt-get install -y --no-install-recommends no-such-package)',
    )
  })
})
