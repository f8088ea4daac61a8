/**
 * Vite plugin (build only): a Content-Security-Policy <meta> that lets the page talk to its own
 * origin only, so the built viewer cannot reach the internet even by accident (Cesium has ion and
 * other remote URLs compiled in). Dev keeps Vite's inline HMR scripts working, so no CSP there.
 */
import type { Plugin } from 'vite'

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // Cesium bundles knockout, which runs (0, eval)('this') when it loads; the policy is about the
  // network (every fetch, image, worker and font stays on this origin), not about eval.
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' data: blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'", // Cesium widgets and React set inline styles
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ')

export function contentSecurityPolicy(): Plugin {
  return {
    name: 'urbantwin:csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  }
}
