import { createServer, type AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '@urbantwin/model'
import { simulateCommand } from '../src/index.ts'

function cli() {
  const lines: string[] = []
  const cmd = simulateCommand({ log: silentLogger, out: (l) => lines.push(l) })
  cmd.exitOverride()
  for (const sub of cmd.commands)
    sub.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  return { cmd, lines }
}

describe('urbantwin simulate', () => {
  it('prints a simulated day of a small city as JSON', async () => {
    const { cmd, lines } = cli()
    await cmd.parseAsync(
      ['day', '--containers', '30', '--access-points', '10', '--surveys', '2', '--date', '2026-11-21'],
      {
        from: 'user',
      },
    )
    const day = JSON.parse(lines.join('\n')) as {
      date: string
      messages: number
      byKind: Record<string, { messages: number }>
    }
    expect(day.date).toBe('2026-11-21')
    expect(day.byKind['wlan-access-point']!.messages).toBe(10 * 96)
    expect(day.messages).toBeGreaterThan(30 * 24 * 0.9 + 10 * 96)
  })

  it.each([
    [['fleet', '--speed', '-3'], /speed/],
    [['fleet', '--mode', 'zigbee'], /mode/],
    [['fleet', '--from', 'last tuesday'], /from/],
    [['day', '--containers', 'many'], /containers/],
    [['provision', '--out', 'x.jsonl'], /--api/],
  ])('refuses %j with a clear error', async (args, reason) => {
    const { cmd } = cli()
    await expect(cmd.parseAsync(args, { from: 'user' })).rejects.toThrow(reason)
  })

  it('runs a bounded load against a real broker and reports every message acked', async () => {
    const broker = await Aedes.createBroker()
    const server = createServer(broker.handle)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { cmd, lines } = cli()
      const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`
      await cmd.parseAsync(
        ['load', '--url', url, '--devices', '50', '--connections', '5', '--qos', '1', '--messages', '500'],
        {
          from: 'user',
        },
      )
      expect(JSON.parse(lines.join('\n'))).toMatchObject({ connected: 5, sent: 500, acked: 500, errors: 0 })
    } finally {
      await new Promise<void>((r) => broker.close(() => r()))
      await new Promise((r) => server.close(r))
    }
  })

  it('refuses load settings it cannot run, naming the setting', async () => {
    const { cmd } = cli()
    await expect(
      cmd.parseAsync(['load', '--devices', '0', '--messages', '5'], { from: 'user' }),
    ).rejects.toThrow(/devices/)
    await expect(cmd.parseAsync(['load', '--devices', '5'], { from: 'user' })).rejects.toThrow(
      /duration|messages/,
    )
  })

  it('refuses to run a fleet without any login', async () => {
    const { cmd } = cli()
    await expect(
      cmd.parseAsync(
        [
          'fleet',
          '--url',
          'mqtt://127.0.0.1:1',
          '--containers',
          '1',
          '--access-points',
          '0',
          '--surveys',
          '0',
        ],
        { from: 'user' },
      ),
    ).rejects.toThrow(/login/)
  })
})
