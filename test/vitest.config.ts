import { defineConfig } from 'vitest/config'

// End-to-end tests start whole platform processes: one file at a time on a 2-core machine.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
