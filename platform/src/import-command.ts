import { join, resolve } from 'node:path'
import cliProgress from 'cli-progress'
import { Command } from 'commander'
import { deriveResidentsPerDevice, type DeriveResult } from '@urbantwin/ingest'
import { openStore, timeSeriesOptions, type Store } from '@urbantwin/store'
import type { Config } from './config.ts'
import { importMunichStatistics, type StatisticsImport } from './statistics.ts'

export type ImportCommandDeps = {
  config: () => Config
  /** Opens the platform's store (default: the embedded DuckDB file in DATA_DIR). */
  openStore?: (config: Config, dataDir: string) => Promise<Store>
  out?: (text: string) => void
  err?: (text: string) => void
}

const LABEL = { areas: 'areas       ', streams: 'datastreams ', observations: 'observations' } as const

const counts = (o: DeriveResult['observations']) =>
  `${o.created} created, ${o.revised} revised, ${o.unchanged} unchanged`

function summary(r: StatisticsImport, perDevice: DeriveResult): string {
  const derived = (d: DeriveResult, what: string) =>
    `${what}: ${d.streams.created} streams created, ${d.streams.existing} existing; Observations ${counts(d.observations)}` +
    (d.withdrawn > 0 ? `; ${d.withdrawn} streams withdrawn (an input no longer public) and made again` : '') +
    '\n'
  return (
    (r.skipped
      ? `already imported (version ${r.version.slice(0, 12)}); --force imports again\n`
      : `areas: ${r.areas.created} created, ${r.areas.existing} existing\n` +
        `MultiDatastreams: ${r.streams.created} created, ${r.streams.existing} existing\n` +
        `Observations: ${counts(r.observations)}\n`) +
    (r.derived ? derived(r.derived, 'share of women and gender gaps') : '') +
    derived(perDevice, 'residents per WLAN access point and per container')
  )
}

/**
 * `urbantwin import munich-statistics`: loads the shipped City of Munich statistics into the store,
 * idempotently (a re-run finds what is there and adds or revises only what differs). The embedded
 * store allows one process: stop the platform first (`npm start` imports them on its first start).
 */
export function importCommand(deps: ImportCommandDeps): Command {
  const out = deps.out ?? ((t: string) => process.stdout.write(t))
  const err = deps.err ?? ((t: string) => process.stderr.write(t))
  const open =
    deps.openStore ??
    ((config: Config, dataDir: string) =>
      openStore({ path: join(dataDir, 'urbantwin.duckdb'), timeSeries: timeSeriesOptions(config) }))
  const cmd = new Command('import').description('load open datasets into the platform')
  cmd
    .command('munich-statistics')
    .description(
      'the City of Munich statistics shipped with the platform: 25 districts and the city, population by sex 2000–2024, sex-disaggregated indicators (dl-de/by-2-0)',
    )
    .option('--data-dir <dir>', 'data directory of the platform (default: DATA_DIR)')
    .option('--only-if-changed', 'skip when this version of the files was imported before (as on start)')
    .action(async (o: { dataDir?: string; onlyIfChanged?: boolean }) => {
      const config = deps.config()
      const dataDir = resolve(o.dataDir ?? config.DATA_DIR)
      let store: Store
      try {
        store = await open(config, dataDir)
      } catch (e) {
        const message = (e as Error).message
        err(
          /lock/i.test(message)
            ? `the store in ${dataDir} is in use: stop the platform first (it imports on start by itself)\n`
            : `cannot open the store in ${dataDir}: ${message}\n`,
        )
        process.exitCode = 1
        return
      }
      const bars = new cliProgress.MultiBar(
        { format: '{phase} [{bar}] {value}/{total}', hideCursor: true, stream: process.stderr, fps: 5 },
        cliProgress.Presets.shades_classic,
      )
      const shown = new Map<string, cliProgress.SingleBar>()
      try {
        const r = await importMunichStatistics({
          store,
          dataDir,
          force: !o.onlyIfChanged,
          minCell: config.PRIVACY_MIN_CELL,
          onProgress: (p) => {
            if (!process.stderr.isTTY) return // a log or a pipe gets the summary only
            let bar = shown.get(p.phase)
            if (!bar) shown.set(p.phase, (bar = bars.create(p.total, 0, { phase: LABEL[p.phase] })))
            bar.setTotal(p.total)
            bar.update(p.done)
          },
        })
        const perDevice = await deriveResidentsPerDevice(store, { minCell: config.PRIVACY_MIN_CELL })
        bars.stop()
        out(summary(r, perDevice))
      } catch (e) {
        bars.stop()
        err(`import failed: ${(e as Error).message}\n`)
        process.exitCode = 1
      } finally {
        await store.close()
      }
    })
  return cmd
}
