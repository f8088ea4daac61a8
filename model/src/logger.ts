/**
 * The logging shape every service takes (pino's). Libraries receive a logger; only `main.ts` makes one.
 * Fixed message strings, data in fields: `log.warn({ topic, reason }, 'message rejected')`.
 */
export type LogFn = (obj: object, msg?: string) => void
export type Logger = {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  child: (bindings: Record<string, unknown>) => Logger
}

/** A logger that drops everything, for unit tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
}
