/** The live status line: "12 containers, updated 10:42", or why there are none. Pure. */
import type { ContainerState } from './data/container-state.ts'
import { formatClock } from './format.ts'
import { t, type Lang } from './i18n.ts'

export type StatusKind = 'loading' | 'ok' | 'error'

export function statusKind(state: ContainerState): StatusKind {
  if (state.error !== null) return 'error'
  return state.layer ? 'ok' : 'loading'
}

export function statusText(lang: Lang, state: ContainerState, pollMs: number): string {
  const count = state.layer?.features.length ?? 0
  const time = state.updatedAt ? formatClock(state.updatedAt, lang) : ''
  if (state.error !== null) {
    return state.layer
      ? t(lang, 'statusErrorStale', { reason: state.error, count, time })
      : t(lang, 'statusError', { reason: state.error, seconds: Math.round(pollMs / 1000) })
  }
  return state.layer ? t(lang, 'statusOk', { count, time }) : t(lang, 'statusLoading')
}
