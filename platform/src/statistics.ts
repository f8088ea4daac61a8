import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  MUNICH_STATISTICS_ID,
  deriveGenderIndicators,
  deriveResidentsPerDevice,
  munichStatistics,
  munichStatisticsVersion,
  publishDataset,
  type DeriveResult,
  type PublishProgress,
  type PublishResult,
} from '@urbantwin/ingest'
import { DEFAULT_MIN_CELL, type Logger } from '@urbantwin/model'
import type { RegistryChange, Store } from '@urbantwin/store'

/**
 * The shipped City of Munich statistics into the store: on the first start (`npm start`), again when
 * the shipped files change, and whenever an operator runs `urbantwin import munich-statistics`.
 * `DATA_DIR/imports.json` remembers which version of each dataset was imported.
 */
export const IMPORTS_FILE = 'imports.json'

type Imported = Record<string, { version: string; importedAt: string; result: PublishResult | DeriveResult }>

/** The derived indicators' entry in imports.json: computed again when their inputs or k change. */
const DERIVED_ID = 'derived-indicators'
const derivedVersion = (statistics: string, minCell: number) => `derive 1; k ${minCell}; ${statistics}`

async function readImported(dataDir: string): Promise<Imported> {
  try {
    return JSON.parse(await readFile(join(dataDir, IMPORTS_FILE), 'utf8')) as Imported
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
}

async function remember(dataDir: string, imported: Imported): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  const file = join(dataDir, IMPORTS_FILE)
  await writeFile(`${file}.tmp`, `${JSON.stringify(imported, null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}

type Outcome = { skipped: true; version: string } | ({ skipped: false; version: string } & PublishResult)
export type StatisticsImport = Outcome & {
  /** The share of women and the gender gaps, when they were computed (again). */
  derived: DeriveResult | null
}

/**
 * Imports the statistics (unless this version was, and not `force`), then derives the share of
 * women and the gender gaps from them where these are missing, stale, or were computed with another
 * k (`minCell`): they are computed from what the public may see.
 */
export async function importMunichStatistics(opts: {
  store: Store
  dataDir: string
  /** Import even when this version was imported before (the CLI's default). */
  force?: boolean
  minCell?: number
  onProgress?: (p: PublishProgress) => void
  now?: () => Date
}): Promise<StatisticsImport> {
  const version = await munichStatisticsVersion()
  const imported = await readImported(opts.dataDir)
  const at = () => (opts.now?.() ?? new Date()).toISOString()
  let outcome: Outcome = { skipped: true, version }
  if (opts.force || imported[MUNICH_STATISTICS_ID]?.version !== version) {
    const result = await publishDataset(opts.store, await munichStatistics(), opts.onProgress)
    imported[MUNICH_STATISTICS_ID] = { version, importedAt: at(), result }
    await remember(opts.dataDir, imported)
    outcome = { skipped: false, version, ...result }
  }
  const k = opts.minCell ?? DEFAULT_MIN_CELL
  const dv = derivedVersion(version, k)
  if (!opts.force && outcome.skipped && imported[DERIVED_ID]?.version === dv)
    return { ...outcome, derived: null }
  const derived = await deriveGenderIndicators(opts.store, { minCell: k })
  imported[DERIVED_ID] = { version: dv, importedAt: at(), result: derived }
  await remember(opts.dataDir, imported)
  return { ...outcome, derived }
}

/** The import on start, in the background of a serving platform: logged, never fatal. */
export async function importOnStart(
  store: Store,
  dataDir: string,
  log: Logger,
  minCell: number = DEFAULT_MIN_CELL,
): Promise<void> {
  const started = performance.now()
  try {
    const r = await importMunichStatistics({ store, dataDir, minCell })
    if (!r.skipped)
      log.info(
        {
          dataset: MUNICH_STATISTICS_ID,
          areas: r.areas,
          streams: r.streams,
          observations: r.observations,
          ms: Math.round(performance.now() - started),
        },
        'City of Munich statistics imported',
      )
    if (r.derived)
      log.info(
        {
          streams: r.derived.streams,
          observations: r.derived.observations,
          withdrawn: r.derived.withdrawn,
          minCell,
        },
        'share of women and gender gaps derived',
      )
  } catch (err) {
    log.error(
      { err, dataset: MUNICH_STATISTICS_ID },
      'statistics import failed (run: npm run urbantwin -- import munich-statistics)',
    )
  }
}

/** Registry changes that can move a device in or out of an area. */
const movesDevices = (c: RegistryChange) => c.set === 'Things' || c.set === 'Locations'

/**
 * Residents per WLAN access point and per used-clothing container of each area (deriveResidentsPerDevice):
 * at `start`, a few seconds after devices were registered or moved (`registryChanged`), and every
 * `everyMs` (which also catches devices deleted). Runs never overlap; a change during a run brings
 * one more run after it. `stop` waits for a run in progress.
 */
export function scheduleResidentsPerDevice(opts: {
  store: Store
  log: Logger
  minCell?: number
  /** 0: only at start and after registry changes. */
  everyMs: number
  debounceMs?: number
}) {
  let running: Promise<void> | null = null
  let again = false
  let stopped = false
  let started = false
  let debounce: NodeJS.Timeout | null = null
  const run = (): void => {
    if (stopped || !started) return
    if (running) {
      again = true
      return
    }
    const t0 = performance.now()
    running = deriveResidentsPerDevice(opts.store, { minCell: opts.minCell ?? DEFAULT_MIN_CELL })
      .then((r) => {
        if (r.streams.created > 0 || r.observations.created > 0)
          opts.log.info(
            { streams: r.streams, observations: r.observations, ms: Math.round(performance.now() - t0) },
            'residents per device derived',
          )
      })
      .catch((err: unknown) => opts.log.warn({ err }, 'residents per device not derived; tried again later'))
      .finally(() => {
        running = null
        if (again) {
          again = false
          run()
        }
      })
  }
  const every = opts.everyMs > 0 ? setInterval(run, opts.everyMs) : null
  every?.unref()
  return {
    start(): void {
      started = true
      run()
    },
    registryChanged(changes: readonly RegistryChange[]): void {
      if (stopped || !changes.some(movesDevices)) return
      if (debounce) clearTimeout(debounce)
      debounce = setTimeout(run, opts.debounceMs ?? 2_000)
      debounce.unref()
    },
    async stop(): Promise<void> {
      stopped = true
      if (debounce) clearTimeout(debounce)
      if (every) clearInterval(every)
      await running
    },
  }
}
