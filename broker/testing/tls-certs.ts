import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throw-away certificate authority and a server certificate it signed, as PEM files and text. */
export type TestCertificates = {
  dir: string
  /** PEM paths, as an operator would configure them. */
  files: { ca: string; cert: string; key: string }
  ca: string
  cert: string
  key: string
  /** Removes the directory. */
  remove: () => void
}

const openssl = (args: string[], cwd: string) => {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        'openssl is not installed: apt-get install openssl (the TLS tests make their CA with it)',
        { cause: err },
      )
    throw err
  }
}

/**
 * Makes a self-signed CA (P-256) and a server certificate for `localhost` and 127.0.0.1, valid for two
 * days, with Debian's openssl. For tests and benchmarks only: the keys are unencrypted in a temp dir.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'ut-tls-'))
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=UrbanTwin test CA',
    ],
    dir,
  )
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir)
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  )
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }
  return {
    dir,
    files,
    ca: readFileSync(files.ca, 'utf8'),
    cert: readFileSync(files.cert, 'utf8'),
    key: readFileSync(files.key, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
