import { describe, expect, it } from 'vitest'
import { influxConfig } from './influxdb1-config.ts'

/** An excerpt of `influxd config` (InfluxDB 1.6.7, Debian). */
const GENERATED = `reporting-enabled = false
bind-address = "127.0.0.1:8088"

[meta]
  dir = "/var/lib/influxdb/meta"

[data]
  dir = "/var/lib/influxdb/data"
  wal-dir = "/var/lib/influxdb/wal"
  query-log-enabled = true

[monitor]
  store-enabled = true

[http]
  enabled = true
  bind-address = ":8086"
  log-enabled = true

[[graphite]]
  enabled = false
  bind-address = ":2003"
`

describe('influxConfig', () => {
  it('moves data under the temp dir and binds HTTP and RPC to 127.0.0.1, leaving other sections alone', () => {
    const out = influxConfig(GENERATED, { dir: '/tmp/x', httpPort: 4000, rpcPort: 4001 })
    expect(out).toContain('bind-address = "127.0.0.1:4001"\n')
    expect(out).toContain('[meta]\n  dir = "/tmp/x/meta"')
    expect(out).toContain('  dir = "/tmp/x/data"\n  wal-dir = "/tmp/x/wal"\n  query-log-enabled = false')
    expect(out).toContain('store-enabled = false')
    expect(out).toContain(
      '[http]\n  enabled = true\n  bind-address = "127.0.0.1:4000"\n  log-enabled = false',
    )
    expect(out).toContain('[[graphite]]\n  enabled = false\n  bind-address = ":2003"')
  })
})
