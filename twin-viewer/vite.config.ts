import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { cesiumAssets } from './cesium-assets-plugin.ts'
import { contentSecurityPolicy } from './csp-plugin.ts'

/** The platform serves the API on 8080; the dev server forwards to it. */
const platform = 'http://127.0.0.1:8080'
const proxy = { '/api': platform, '/v1.1': platform }

export default defineConfig({
  base: './', // works wherever the platform mounts dist/ (it serves it at /)
  plugins: [react(), cesiumAssets(), contentSecurityPolicy()],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 6_000, // Cesium alone is ~4 MB minified
  },
  server: { proxy },
  preview: { proxy },
})
