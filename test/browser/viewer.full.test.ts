import { PNG } from 'pngjs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatformProcess, tempDataDir, type PlatformProcess } from '../src/index.ts'
import { isLoopback, launchChromium } from '../src/chromium.ts'

/** Distinct colours in a PNG region: a blank or single-colour canvas has very few. */
function distinctColours(png: Buffer): number {
  const img = PNG.sync.read(png)
  const seen = new Set<number>()
  for (let i = 0; i < img.data.length; i += 4) {
    seen.add((img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!)
  }
  return seen.size
}

describe('an urban planner opens the twin in a browser (Debian Chromium, software WebGL)', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess
  let browser: Browser

  beforeAll(async () => {
    platform = await startPlatformProcess({
      dataDir: tmp.dir,
      env: { SIM_CONTAINERS: '6', SIM_ACCESS_POINTS: '3', SIM_SURVEYS: '1', SIM_SPEED: '3600' },
    })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    tmp.remove()
  })

  it('renders Munich with 25 districts and live containers, and no request leaves loopback', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 }, locale: 'en-GB' })
    const requests: string[] = []
    const failures: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    page.on('pageerror', (e) => failures.push(e.message))
    await page.goto(`${platform.base}/`, { waitUntil: 'domcontentloaded' })

    await page.waitForFunction(() => document.body.dataset.districts === '25', undefined, { timeout: 90_000 })
    await page.waitForFunction(() => Number(document.body.dataset.containers ?? 0) >= 1, undefined, {
      timeout: 90_000,
    })
    expect(await page.getByTestId('district-count').innerText()).toContain('25')
    expect(await page.getByTestId('container-row').count()).toBeGreaterThanOrEqual(1)
    // the table shows a fill level for at least one container once the simulator has reported
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="container-row"]')].some((r) =>
          /\d+(\.\d+)?\s?%/.test(r.textContent ?? ''),
        ),
      undefined,
      { timeout: 60_000 },
    )

    const globe = page.getByTestId('globe')
    await expect
      .poll(async () => distinctColours(await globe.screenshot()), { timeout: 60_000, interval: 1000 })
      .toBeGreaterThan(100)

    expect(failures).toEqual([])
    const external = requests.filter((u) => !isLoopback(u))
    expect(external).toEqual([])
    expect(requests.some((u) => u.includes('/api/layers/containers'))).toBe(true)
    expect(requests.some((u) => u.includes('/cesium/'))).toBe(true)
  })
})
