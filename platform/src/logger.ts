import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

/** The platform's JSON log on stdout, with credentials redacted; one per thread, alike. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { service: 'urbantwin' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'apiKey', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  })
}
