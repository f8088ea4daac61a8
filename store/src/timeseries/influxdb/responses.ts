import { z } from 'zod'
import { TimeSeriesError } from '../port.ts'

const Series = z.object({
  tags: z.record(z.string(), z.string()).optional(),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).optional(),
})
const Result = z.object({ series: z.array(Series).optional(), error: z.string().optional() })
const Response = z.object({ results: z.array(Result).optional(), error: z.string().optional() })

export type Row = { tags: Record<string, string>; values: Record<string, unknown> }

/** Rows of the first statement of a `/query` answer (JSON, `epoch=ms`); an engine error throws. */
export function rowsOf(body: string): Row[] {
  const r = Response.parse(JSON.parse(body))
  const first = r.results?.[0]
  const error = r.error ?? first?.error
  if (error !== undefined) throw new TimeSeriesError(`InfluxQL query failed: ${error}`, { retriable: false })
  return (first?.series ?? []).flatMap((s) =>
    (s.values ?? []).map((v) => ({
      tags: s.tags ?? {},
      values: Object.fromEntries(s.columns.map((c, i) => [c, v[i]])),
    })),
  )
}
