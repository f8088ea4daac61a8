import { envExample } from './config.ts'

/** `npm run env-example -w @urbantwin/platform` regenerates the repository's `.env.example`. */
process.stdout.write(envExample())
