import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { Router, type RequestHandler } from 'express'
import { withHost } from '../docs/asyncapi.ts'
import { escapeHtml, mqttPage, pageTop } from '../docs/mqtt-page.ts'

type Json = Record<string, unknown>

export type DocsDeps = {
  /** Builds the OpenAPI document (once, on first use: createApp stays cheap). */
  openApi: () => Json
  /** Builds the AsyncAPI document (once, on first use). */
  asyncApi: () => Json
}

/** Swagger UI, bundled (swagger-ui-dist): only the files the page needs are served. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const SWAGGER_UI_FILES = new Set([
  '/swagger-ui-bundle.js',
  '/swagger-ui-bundle.js.map',
  '/swagger-ui.css',
  '/swagger-ui.css.map',
  '/favicon-32x32.png',
  '/favicon-16x16.png',
])
const OWN_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '../docs/assets')

/**
 * The pages may load only what this platform serves (sovereignty: no CDN, no fonts from elsewhere).
 * Swagger UI sets inline style attributes, hence 'unsafe-inline' for styles only.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ')

const REFERENCE_PAGE = `${pageTop({
  title: 'UrbanTwin API reference',
  skipTo: 'the reference',
  current: '/docs',
  stylesheets: ['/docs/assets/swagger-ui.css'],
})}
<main id="main">
<h1 class="skip">${escapeHtml('UrbanTwin API reference')}</h1>
<noscript><p>The interactive reference needs JavaScript; the document itself is <a href="/api/openapi.json">/api/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
</main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body>
</html>
`

const once = (build: () => Json): (() => Json) => {
  let doc: Json | null = null
  return () => (doc ??= build())
}

const onlySwaggerFiles: RequestHandler = (req, _res, next) =>
  SWAGGER_UI_FILES.has(req.path) ? next() : next('router')

/**
 * Public documentation: `GET /api/openapi.json` (OpenAPI 3.1), `GET /api/asyncapi.json` (AsyncAPI 3.0),
 * `GET /docs` (Swagger UI, served from node_modules) and `GET /docs/mqtt` (the MQTT topics as HTML).
 * Works offline: every asset comes from this router.
 */
export function docsRouter(deps: DocsDeps): Router {
  const openApi = once(deps.openApi)
  const asyncApi = once(deps.asyncApi)
  const router = Router()
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi())
  })
  router.get('/api/asyncapi.json', (req, res) => {
    res.json(withHost(asyncApi(), req.host, req.hostname))
  })
  router.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', CSP).type('html').send(REFERENCE_PAGE)
  })
  router.get('/docs/mqtt', (req, res) => {
    res
      .set('Content-Security-Policy', CSP)
      .type('html')
      .send(mqttPage(withHost(asyncApi(), req.host, req.hostname)))
  })
  const assets = Router()
  assets.use(express.static(OWN_ASSETS, { index: false, maxAge: '1h' }))
  assets.use(onlySwaggerFiles, express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1d' }))
  router.use('/docs/assets', assets)
  return router
}
