import { z } from 'zod'

/** One line of `/api/v1/export` (JSON lines, one per series). */
const ExportLine = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(z.number().nullable()),
  timestamps: z.array(z.number()),
})
export type ExportLine = z.infer<typeof ExportLine>

export function parseExport(body: string): ExportLine[] {
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ExportLine.parse(JSON.parse(line)))
}

const Sample = z.tuple([z.number(), z.string()])
const Labels = z.record(z.string(), z.string())

const InstantResponse = z.object({
  status: z.literal('success'),
  data: z.object({ result: z.array(z.object({ metric: Labels, value: Sample })) }),
})
const RangeResponse = z.object({
  status: z.literal('success'),
  data: z.object({ result: z.array(z.object({ metric: Labels, values: z.array(Sample) })) }),
})

/** A sample of a query answer: labels, time in epoch ms (VictoriaMetrics answers in seconds), value. */
export type QuerySample = { labels: Record<string, string>; ms: number; value: number }

const msOfSeconds = (s: number) => Math.round(s * 1000)

export function parseInstant(body: string): QuerySample[] {
  return InstantResponse.parse(JSON.parse(body)).data.result.map((r) => ({
    labels: r.metric,
    ms: msOfSeconds(r.value[0]),
    value: Number(r.value[1]),
  }))
}

export function parseRange(body: string): QuerySample[] {
  return RangeResponse.parse(JSON.parse(body)).data.result.flatMap((r) =>
    r.values.map(([s, v]) => ({ labels: r.metric, ms: msOfSeconds(s), value: Number(v) })),
  )
}
