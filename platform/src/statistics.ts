import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  MUNICH_STATISTICS_ID,
  munichStatistics,
  munichStatisticsVersion,
  publishDataset,
  type PublishProgress,
  type PublishResult,
} from '@urbantwin/ingest'
import type { Logger } from '@urbantwin/model'
import type { Store } from '@urbantwin/store'

/**
 * The shipped City of Munich statistics into the store: on the first start (`npm start`), again when
 * the shipped files change, and whenever an operator runs `urbantwin import munich-statistics`.
 * `DATA_DIR/imports.json` remembers which version of each dataset was imported.
 */
export const IMPORTS_FILE = 'imports.json'

type Imported = Record<string, { version: string; importedAt: string; result: PublishResult }>

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

export type StatisticsImport =
  { skipped: true; version: string } | ({ skipped: false; version: string } & PublishResult)

export async function importMunichStatistics(opts: {
  store: Store
  dataDir: string
  /** Import even when this version was imported before (the CLI's default). */
  force?: boolean
  onProgress?: (p: PublishProgress) => void
  now?: () => Date
}): Promise<StatisticsImport> {
  const version = await munichStatisticsVersion()
  const imported = await readImported(opts.dataDir)
  if (!opts.force && imported[MUNICH_STATISTICS_ID]?.version === version) return { skipped: true, version }
  const result = await publishDataset(opts.store, await munichStatistics(), opts.onProgress)
  imported[MUNICH_STATISTICS_ID] = { version, importedAt: (opts.now?.() ?? new Date()).toISOString(), result }
  await remember(opts.dataDir, imported)
  return { skipped: false, version, ...result }
}

/** The import on start, in the background of a serving platform: logged, never fatal. */
export async function importOnStart(store: Store, dataDir: string, log: Logger): Promise<void> {
  const started = performance.now()
  try {
    const r = await importMunichStatistics({ store, dataDir })
    if (r.skipped) return
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
  } catch (err) {
    log.error(
      { err, dataset: MUNICH_STATISTICS_ID },
      'statistics import failed (run: npm run urbantwin -- import munich-statistics)',
    )
  }
}
