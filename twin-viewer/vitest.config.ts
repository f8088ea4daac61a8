import { defineConfig } from 'vitest/config'

// Unit tests are pure (no DOM, no WebGL); browser tests are *.full.test.ts (`npm run test:full`).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
