import { existsSync } from 'node:fs'
import { Command } from 'commander'
import { pino } from 'pino'
import { simulateCommand } from '@urbantwin/simulators'
import { Env, envExample } from './config.ts'
import { apiKeyCommand } from './api-key-command.ts'

/** `urbantwin …` (`npm run urbantwin -- …`): operator and test-engineer commands. */
if (existsSync('.env')) process.loadEnvFile('.env') // the settings `npm start` sees (DATA_DIR)
const log = pino(
  { level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'urbantwin-cli' } },
  pino.destination(2),
)
const program = new Command('urbantwin').description('UrbanTwin command line').showHelpAfterError()
program.addCommand(simulateCommand({ log }))
program.addCommand(apiKeyCommand({ dataDir: Env.shape.DATA_DIR.parse(process.env.DATA_DIR) }))
program
  .command('env-example')
  .description('print the documented settings of `npm start` (.env.example)')
  .action(() => {
    process.stdout.write(envExample())
  })

await program.parseAsync(process.argv)
