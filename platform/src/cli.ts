import { Command } from 'commander'
import { pino } from 'pino'
import { simulateCommand } from '@urbantwin/simulators'
import { envExample } from './config.ts'

/** `urbantwin …` (`npm run urbantwin -- …`): operator and test-engineer commands. */
const log = pino(
  { level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'urbantwin-cli' } },
  pino.destination(2),
)
const program = new Command('urbantwin').description('UrbanTwin command line').showHelpAfterError()
program.addCommand(simulateCommand({ log }))
program
  .command('env-example')
  .description('print the documented settings of `npm start` (.env.example)')
  .action(() => {
    process.stdout.write(envExample())
  })

await program.parseAsync(process.argv)
