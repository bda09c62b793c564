import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The platform's private CA and the one server certificate that nginx (HTTPS) and coturn
 * (turns:) present, made with the openssl CLI as an operator would. The CA file becomes the
 * run's TALK_CA_FILE: Node verifies the chain against it, never with verification turned off.
 */

/** Long enough for a reused platform to live through weeks of local iteration, far below the 398-day browser limit. */
export const CERT_VALIDITY_DAYS = 90;
/** openssl answers in milliseconds; this only bounds a hung binary. */
const OPENSSL_TIMEOUT_MS = 20_000;

export interface TlsFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface TlsPlan {
  files: TlsFiles & { caKeyFile: string; csrFile: string; extFile: string };
  /** Content of the x509 extension file for the server certificate. */
  extensions: string;
  /** openssl invocations, in order (argv without the binary). */
  steps: string[][];
}

/** subjectAltName entries: `DNS:` for names, `IP:` for addresses; duplicates removed. */
export function subjectAltNames(names: readonly string[]): string[] {
  return [...new Set(names.filter(Boolean))].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`));
}

export function planTls(dir: string, opts: { commonName: string; altNames: readonly string[]; caName: string; serialHex?: string }): TlsPlan {
  const f = (name: string) => path.join(dir, name);
  const files = {
    dir,
    caFile: f('ca.pem'),
    caKeyFile: f('ca.key'),
    certFile: f('server.crt'),
    keyFile: f('server.key'),
    csrFile: f('server.csr'),
    extFile: f('server.ext'),
  };
  const extensions = [
    `subjectAltName=${subjectAltNames(opts.altNames).join(',')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n');
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const days = String(CERT_VALIDITY_DAYS);
  return {
    files,
    extensions,
    steps: [
      [
        'req',
        '-x509',
        ...ecKey,
        '-keyout',
        files.caKeyFile,
        '-out',
        files.caFile,
        '-days',
        days,
        '-subj',
        `/CN=${opts.caName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      ['req', ...ecKey, '-keyout', files.keyFile, '-out', files.csrFile, '-subj', `/CN=${opts.commonName}`],
      [
        'x509',
        '-req',
        '-in',
        files.csrFile,
        '-CA',
        files.caFile,
        '-CAkey',
        files.caKeyFile,
        '-set_serial',
        `0x${opts.serialHex ?? randomBytes(12).toString('hex')}`,
        '-days',
        days,
        '-sha256',
        '-extfile',
        files.extFile,
        '-out',
        files.certFile,
      ],
    ],
  };
}

/** Runs the plan. The CA key stays in `dir` (0600) and never goes into a container. */
export async function generateTls(plan: TlsPlan): Promise<TlsFiles & { caPem: string; certPem: string; keyPem: string }> {
  const run = promisify(execFile);
  mkdirSync(plan.files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(plan.files.extFile, plan.extensions);
  for (const args of plan.steps) {
    try {
      await run('openssl', args, { timeout: OPENSSL_TIMEOUT_MS });
    } catch (err) {
      const e = err as { stderr?: string; message: string; code?: string };
      const hint = e.code === 'ENOENT' ? ' (the openssl command is not installed: `apt-get install openssl`)' : '';
      throw new Error(`openssl ${args[0]} failed while making the platform's CA and certificate${hint}: ${(e.stderr ?? e.message).trim()}`);
    }
  }
  for (const key of [plan.files.caKeyFile, plan.files.keyFile]) chmodSync(key, 0o600);
  return {
    dir: plan.files.dir,
    caFile: plan.files.caFile,
    certFile: plan.files.certFile,
    keyFile: plan.files.keyFile,
    caPem: readFileSync(plan.files.caFile, 'utf8'),
    certPem: readFileSync(plan.files.certFile, 'utf8'),
    keyPem: readFileSync(plan.files.keyFile, 'utf8'),
  };
}
