import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatformProcess, tempDataDir, type PlatformProcess } from '../src/index.ts'
import { isLoopback, launchChromium } from '../src/chromium.ts'

describe('a developer reads the API reference offline (Debian Chromium)', () => {
  const tmp = tempDataDir()
  let platform: PlatformProcess
  let browser: Browser

  beforeAll(async () => {
    platform = await startPlatformProcess({
      dataDir: tmp.dir,
      env: { SIM_CONTAINERS: '2', SIM_ACCESS_POINTS: '1', SIM_SURVEYS: '1' },
    })
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    tmp.remove()
  })

  it('browses /docs, tries GET /v1.1/Things, and no request leaves loopback', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: 'en-GB' })
    const requests: string[] = []
    const problems: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    page.on('pageerror', (e) => problems.push(e.message))
    // a Content-Security-Policy violation is reported on the console
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    await page.goto(`${platform.base}/docs`, { waitUntil: 'domcontentloaded' })

    await page.waitForSelector('.opblock', { timeout: 30_000 })
    // Swagger UI renders only the operations near the viewport: scroll through and collect them
    const operations = new Set<string>()
    for (let last = -1; ;) {
      for (const id of await page.locator('.opblock').evaluateAll((els) => els.map((e) => e.id)))
        operations.add(id)
      const y = await page.evaluate(() => {
        window.scrollBy(0, 600)
        return window.scrollY
      })
      if (y === last) break
      last = y
      await page.waitForTimeout(50)
    }
    expect(operations.size).toBeGreaterThan(100)
    expect(operations).toContain('operations-MultiDatastreams-getStaMultiDatastreams')
    await page.evaluate(() => window.scrollTo(0, 0))
    expect(await page.locator('.info .title').innerText()).toContain('UrbanTwin Urban Data Platform API')

    const things = page.locator('#operations-Things-getStaThings')
    await things.locator('.opblock-summary').click()
    await things.locator('button.try-out__btn').click()
    await things.locator('button.execute').click()
    await expect
      .poll(
        () => things.locator('.live-responses-table tr.response .response-col_status').first().innerText(),
        {
          timeout: 15_000,
        },
      )
      .toContain('200')

    expect(problems).toEqual([])
    expect(requests.filter((u) => !isLoopback(u))).toEqual([])
    expect(requests.some((u) => u.endsWith('/api/openapi.json'))).toBe(true)
    expect(requests.some((u) => u.includes('/v1.1/Things'))).toBe(true)
  })

  it('reads the MQTT topics at /docs/mqtt with the keyboard: skip link first, then the topics', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(`${platform.base}/docs/mqtt`, { waitUntil: 'load' })

    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the topics')
    await page.keyboard.press('Enter')
    // following the link is a navigation of its own; wait for it rather than read the URL at once
    await page.waitForURL(/#main$/, { timeout: 5_000 })

    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('UrbanTwin MQTT broker')
    const topic = page.getByRole('heading', {
      level: 3,
      name: 'SensorThings: new Observations of one Datastream',
    })
    expect(await topic.count()).toBe(1)
    // each table is labelled by its caption for screen readers
    expect(await page.getByRole('table', { name: 'Where clients connect' }).count()).toBe(1)
    expect(await page.getByRole('table').count()).toBeGreaterThan(5)
    expect(requests.filter((u) => !isLoopback(u))).toEqual([])
  })
})
