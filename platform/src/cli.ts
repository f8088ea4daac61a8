import { existsSync } from 'node:fs'
import { Command } from 'commander'
import { pino } from 'pino'
import { simulateCommand } from '@urbantwin/simulators'
import { Env, envExample, loadConfig } from './config.ts'
import { apiKeyCommand } from './api-key-command.ts'
import { mqttAccountCommand } from './mqtt-account-command.ts'
import { importCommand } from './import-command.ts'

/** `urbantwin …` (`npm run urbantwin -- …`): operator and test-engineer commands. */
if (existsSync('.env')) process.loadEnvFile('.env') // the settings `npm start` sees (DATA_DIR)
const log = pino(
  { level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'urbantwin-cli' } },
  pino.destination(2),
)
const program = new Command('urbantwin').description('UrbanTwin command line').showHelpAfterError()
program.addCommand(simulateCommand({ log }))
program.addCommand(apiKeyCommand({ dataDir: Env.shape.DATA_DIR.parse(process.env.DATA_DIR) }))
program.addCommand(
  mqttAccountCommand({
    url:
      process.env.URBANTWIN_URL ??
      `http://127.0.0.1:${Env.shape.HTTP_PORT.parse(process.env.HTTP_PORT) || 8080}`,
    key: process.env.URBANTWIN_API_KEY,
  }),
)
program.addCommand(importCommand({ config: () => loadConfig(process.env) }))
program
  .command('env-example')
  .description('print the documented settings of `npm start` (.env.example)')
  .action(() => {
    process.stdout.write(envExample())
  })

await program.parseAsync(process.argv)
