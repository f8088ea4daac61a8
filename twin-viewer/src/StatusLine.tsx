/** Polite live region; its text changes at most once a minute while data keeps arriving. */
import type { ContainerState } from './data/container-state.ts'
import type { Lang } from './i18n.ts'
import { statusKind, statusText } from './status-text.ts'

type Props = { lang: Lang; state: ContainerState; pollMs: number }

export function StatusLine({ lang, state, pollMs }: Props) {
  const kind = statusKind(state)
  return (
    <p
      role="status"
      aria-live="polite"
      data-testid="status"
      data-state={kind}
      className={`status status--${kind}`}
    >
      {statusText(lang, state, pollMs)}
    </p>
  )
}
