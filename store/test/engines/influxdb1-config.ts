/**
 * Rewrites the output of `influxd config` (InfluxDB 1.6) for a test instance: everything under `dir`,
 * HTTP and the RPC (backup) listener on 127.0.0.1 at the given ports, no self-monitoring, quiet logs.
 */
export function influxConfig(
  generated: string,
  at: { dir: string; httpPort: number; rpcPort: number },
): string {
  const set: Record<string, Record<string, string>> = {
    '': { 'reporting-enabled': 'false', 'bind-address': `"127.0.0.1:${at.rpcPort}"` },
    meta: { dir: `"${at.dir}/meta"` },
    data: { dir: `"${at.dir}/data"`, 'wal-dir': `"${at.dir}/wal"`, 'query-log-enabled': 'false' },
    monitor: { 'store-enabled': 'false' },
    http: { 'bind-address': `"127.0.0.1:${at.httpPort}"`, 'log-enabled': 'false' },
    continuous_queries: { enabled: 'false' },
  }
  let section = ''
  return generated
    .split('\n')
    .map((line) => {
      const header = /^\s*\[\[?([\w.-]+)\]\]?\s*$/.exec(line)
      if (header) {
        section = header[1]!
        return line
      }
      const kv = /^(\s*)([\w-]+)\s*=/.exec(line)
      const value = kv ? set[section]?.[kv[2]!] : undefined
      return kv && value !== undefined ? `${kv[1]}${kv[2]} = ${value}` : line
    })
    .join('\n')
}
