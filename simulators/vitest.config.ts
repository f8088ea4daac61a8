import { defineConfig } from 'vitest/config'

// Scenario tests simulate a month of the whole fleet; give them room on a loaded 2-core machine.
export default defineConfig({ test: { testTimeout: 60_000 } })
