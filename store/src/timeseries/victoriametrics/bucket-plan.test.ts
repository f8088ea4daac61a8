import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_STEPS, bucketStart, planBuckets, type BucketPlan } from './bucket-plan.ts'

/** Which evaluations of the plan count the sample at `ms`, as VictoriaMetrics does: window (at - w, at]. */
function coverage(plan: BucketPlan, ms: number): number[] {
  const labels: number[] = []
  for (const e of plan.partial) if (ms > e.at - e.windowMs && ms <= e.at) labels.push(e.start)
  for (const f of plan.full) {
    const at = f.firstAt + Math.max(0, Math.ceil((ms - f.firstAt) / f.stepMs)) * f.stepMs // first evaluation at or after ms
    if (at <= f.lastAt && ms > at - f.stepMs) labels.push(at - f.stepMs + 1)
  }
  return labels
}

describe('planBuckets (VictoriaMetrics evaluations for fixed buckets)', () => {
  it('evaluates aligned hours at the last millisecond of each bucket', () => {
    expect(planBuckets(0, 3 * 3_600_000, 3_600_000)).toEqual({
      partial: [],
      full: [{ firstAt: 3_599_999, lastAt: 3 * 3_600_000 - 1, stepMs: 3_600_000 }],
    })
  })

  it('cuts the first and last bucket to [from, to)', () => {
    expect(planBuckets(600_000, 7_500_000, 3_600_000)).toEqual({
      partial: [
        { start: 0, at: 3_599_999, windowMs: 3_000_000 },
        { start: 7_200_000, at: 7_499_999, windowMs: 300_000 },
      ],
      full: [{ firstAt: 7_199_999, lastAt: 7_199_999, stepMs: 3_600_000 }],
    })
    expect(planBuckets(10, 20, 1000)).toEqual({ partial: [{ start: 0, at: 19, windowMs: 10 }], full: [] })
    expect(planBuckets(5, 5, 1000)).toEqual({ partial: [], full: [] })
  })

  it(`splits long ranges into requests of at most ${MAX_STEPS} steps`, () => {
    const plan = planBuckets(0, (2 * MAX_STEPS + 5) * 1000, 1000)
    expect(plan.full.map((f) => (f.lastAt - f.firstAt) / f.stepMs + 1)).toEqual([MAX_STEPS, MAX_STEPS, 5])
  })

  it('counts every millisecond of [from, to) exactly once, in its epoch-aligned bucket, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 700 }),
        (from, span, interval) => {
          const to = from + span
          const plan = planBuckets(from, to, interval)
          const wrong: string[] = []
          for (let ms = from - interval - 1; ms <= to + interval; ms++) {
            const expected = ms >= from && ms < to ? [bucketStart(ms, interval)] : []
            const got = coverage(plan, ms)
            if (got.join() !== expected.join())
              wrong.push(`${ms}: ${got.join()} instead of ${expected.join()}`)
          }
          expect(wrong.slice(0, 3)).toEqual([])
        },
      ),
      { numRuns: 150 },
    )
  })
})
