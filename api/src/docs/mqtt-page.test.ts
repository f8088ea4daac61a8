import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { defaultOpenData } from '../sta/export/licence.ts'
import { asyncApiDocument } from './asyncapi.ts'
import { MQTT_CHANNELS } from './mqtt-channels.ts'
import { escapeHtml, mqttPage } from './mqtt-page.ts'

const kind = {
  id: 'counter',
  name: 'People counter <b>',
  description: 'Counts, no identities',
  payload: z.strictObject({
    count: z.number().int().min(0).describe('People in the last `interval` seconds'),
    zones: z.record(z.string(), z.number().int()).optional(),
    readings: z.array(z.object({ at: z.string(), value: z.number() })).optional(),
  }),
}
const page = mqttPage(
  asyncApiDocument({ anonymousRead: true, deviceKinds: [kind], mqttPort: 1884, openData: defaultOpenData() }),
)

describe('MQTT reference page', () => {
  it('is a complete HTML document in English without scripts', () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(page).toContain('<main id="main" class="reference">')
    expect(page).toContain('<a class="skip" href="#main">')
    expect(page).not.toMatch(/<script/i)
  })

  it('has a heading per topic, linked from a list, and the servers with their defaults', () => {
    for (const c of MQTT_CHANNELS) {
      expect(page).toContain(`<h3 id="${c.id}">`)
      expect(page).toContain(`<a href="#${c.id}">`)
    }
    expect(page).toContain('<code>mqtt://localhost:1884</code>')
    expect(page).toContain('<code>ws://localhost/mqtt</code>')
  })

  it('lists payload fields in tables with captions and header cells, nested fields by path', () => {
    expect(page).toMatch(/<caption>Fields of People counter &lt;b&gt;<\/caption>/)
    expect(page).toContain('<th scope="col">Field</th>')
    expect(page).toContain('<th scope="row"><code>count</code></th><td>integer (≥ 0')
    expect(page).toContain('<code>zones.&lt;key&gt;</code>')
    expect(page).toContain('<code>readings[].value</code>')
    expect(page).toContain('People in the last <code>interval</code> seconds')
  })

  it('escapes text from the documents', () => {
    expect(page).not.toContain('People counter <b>')
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    )
  })
})
