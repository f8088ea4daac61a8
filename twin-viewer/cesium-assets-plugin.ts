/**
 * Vite plugin: makes Cesium's static files (Workers, Assets, ThirdParty, Widgets) available at
 * `<base>/cesium/`: copied into `dist/cesium/` after a build, served from node_modules in dev.
 * (vite-plugin-static-copy needs Node 22; this is the few lines we need.)
 */
import { cpSync, createReadStream, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Plugin } from 'vite'

const CESIUM_DIRS = ['Workers', 'Assets', 'ThirdParty', 'Widgets'] as const
const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.xml': 'application/xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
}

export function cesiumAssets(urlDir = 'cesium'): Plugin {
  const source = path.join(
    path.dirname(createRequire(import.meta.url).resolve('cesium/package.json')),
    'Build',
    'Cesium',
  )
  let outDir = ''
  return {
    name: 'urbantwin:cesium-assets',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    writeBundle() {
      for (const dir of CESIUM_DIRS) {
        cpSync(path.join(source, dir), path.join(outDir, urlDir, dir), { recursive: true })
      }
    },
    configureServer(server) {
      server.middlewares.use(`/${urlDir}`, (req, res, next) => {
        const relative = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
        const file = path.join(source, relative)
        const top = relative.split('/')[1] ?? ''
        if (!file.startsWith(source + path.sep) || !(CESIUM_DIRS as readonly string[]).includes(top))
          return next()
        try {
          if (!statSync(file).isFile()) return next()
        } catch {
          return next()
        }
        res.setHeader('content-type', MIME[path.extname(file)] ?? 'application/octet-stream')
        createReadStream(file).pipe(res)
      })
    },
  }
}
