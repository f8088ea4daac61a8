import { constants } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The shipped flow (edited in the Node-RED editor, exported as JSON). */
export const defaultFlowsFile = fileURLToPath(new URL('../flows/default-flows.json', import.meta.url))

/**
 * Creates `userDir` and copies the shipped flow to `userDir/flows.json` if no flows file exists yet.
 * COPYFILE_EXCL makes "never overwrite an operator's flows" atomic. Returns whether it copied.
 */
export async function installDefaultFlows(userDir: string, source = defaultFlowsFile): Promise<boolean> {
  await mkdir(userDir, { recursive: true })
  try {
    await copyFile(source, join(userDir, 'flows.json'), constants.COPYFILE_EXCL)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}
