import type { AddressInfo } from 'node:net'
import { silentLogger } from '@urbantwin/model'
import { createApp, type AppDeps } from '../src/index.ts'
import { staticKeys } from './static-keys.ts'

export type Served = { base: string; close: () => Promise<void> }

/**
 * The API as the tests use it: a real HTTP server on 127.0.0.1 and a free port. Without `auth` no
 * key is valid; without `devices` no device kind can be registered.
 */
export async function serve(
  deps: Omit<AppDeps, 'log' | 'auth' | 'devices'> & Partial<Pick<AppDeps, 'log' | 'auth' | 'devices'>>,
): Promise<Served> {
  const app = createApp({
    log: silentLogger,
    auth: staticKeys({}),
    devices: { register: async () => null },
    ...deps,
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
