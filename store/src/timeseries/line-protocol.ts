import type { SeriesPoint } from './port.ts'
import { msOf } from './samples.ts'

/** Measurement of every point; VictoriaMetrics names the series `urbantwin_result` and `urbantwin_result_time`. */
export const MEASUREMENT = 'urbantwin'
export const TAG = 'datastream'
export const FIELD = 'result'
export const RESULT_TIME_FIELD = 'result_time'

/**
 * One point in InfluxDB line protocol with millisecond timestamps:
 * `urbantwin,datastream=12 result=21.5,result_time=1795334400250i 1795334400000`.
 * The Datastream id is a positive integer, so the tag value needs no escaping; `result` is always a
 * float field (never a string: VictoriaMetrics would turn strings into bogus zero series).
 */
export function toLine(p: SeriesPoint): string {
  if (!Number.isFinite(p.result)) throw new RangeError(`result of Datastream ${p.datastreamId} is not finite`)
  if (!Number.isSafeInteger(p.datastreamId) || p.datastreamId <= 0) {
    throw new RangeError(`not a Datastream id: ${p.datastreamId}`)
  }
  const at = msOf(p.phenomenonTime)
  return `${MEASUREMENT},${TAG}=${p.datastreamId} ${FIELD}=${p.result},${RESULT_TIME_FIELD}=${msOf(p.resultTime)}i ${at}`
}
