import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built twin viewer (`twin-viewer/dist`), or null when it has not been built. */
export function viewerDir(): string | null {
  const index = fileURLToPath(import.meta.resolve('@urbantwin/twin-viewer/dist'))
  return existsSync(index) ? dirname(index) : null
}
