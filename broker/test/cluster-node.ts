/**
 * One broker node of a cluster, as its own process (for cluster.full.test.ts):
 * `cluster-node.ts <redis url> <port> <wal dir>`; the login `ops` with the password in `OPS_TOKEN`
 * (role admin). Prints `{"port": n}` once it listens; a line `disconnect <username>` on stdin calls
 * `broker.disconnect` (as the platform does when a login is revoked); SIGTERM closes it.
 */
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { silentLogger } from '@urbantwin/model'
import { openWal } from '@urbantwin/store'
import { createBroker, hashToken, redisCluster } from '../src/index.ts'

const [redisUrl, port, walDir] = process.argv.slice(2)
const token = process.env.OPS_TOKEN
if (!redisUrl || !port || !walDir || !token)
  throw new Error('usage: cluster-node.ts <redis url> <port> <wal dir>')
const hash = hashToken(token)
const wal = await openWal({ dir: walDir })
const broker = await createBroker({
  log: silentLogger,
  account: async (u) =>
    u === 'ops' ? { username: u, passwordHash: hash, role: 'admin', deviceId: null } : null,
  wal,
  cluster: redisCluster(redisUrl),
})
const server = createServer(broker.handle)
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, username] = line.split(' ')
  if (command === 'disconnect' && username) broker.disconnect(username)
})
process.once('SIGTERM', () => {
  server.close()
  void broker
    .close()
    .then(() => wal.close())
    .then(() => process.exit(0))
})
