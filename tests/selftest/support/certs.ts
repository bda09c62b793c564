import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway CA and leaf certificates made with the openssl CLI, for self-tests that need real
 * TLS handshakes with good, expired, self-signed and wrong-host certificates.
 * `openssl ca` rather than `x509 -req`: OpenSSL 3.0 (Debian 12) can set an explicit validity
 * window only there.
 */
export class TestPki {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'tc-pki-'));
  readonly caFile = path.join(this.dir, 'ca.pem');

  constructor() {
    this.openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=talk-certify test CA');
    writeFileSync(
      path.join(this.dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = tc',
        '[tc]',
        'database = index.txt',
        'new_certs_dir = .',
        'serial = serial',
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(this.dir, 'index.txt'), '');
    writeFileSync(path.join(this.dir, 'serial'), '1000\n');
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  /** A leaf signed by the CA: `{ key, cert }` paths. Validity defaults to now-1h … now+2d. */
  leaf(name: string, san: string, validity?: [start: Date, end: Date]): { key: string; cert: string } {
    const now = Date.now();
    const [start, end] = validity ?? [new Date(now - 3_600_000), new Date(now + 2 * 86_400_000)];
    const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
    this.openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(path.join(this.dir, `${name}.ext`), `subjectAltName=${san}\n`);
    this.openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-startdate',
      stamp(start),
      '-enddate',
      stamp(end),
      '-extfile',
      `${name}.ext`,
      '-notext',
    );
    return { key: path.join(this.dir, `${name}.key`), cert: path.join(this.dir, `${name}.pem`) };
  }

  /** A self-signed certificate (no CA at all). */
  selfSigned(name: string, san: string): { key: string; cert: string } {
    this.openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${san}`,
    );
    return { key: path.join(this.dir, `${name}.key`), cert: path.join(this.dir, `${name}.pem`) };
  }
}
