import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReferencePlatformError, run } from './system.ts';

/** The DNS name in the server certificate besides the IP addresses. */
export const REFERENCE_DNS_NAME = 'reference.talk-certify.test';
/**
 * The TURN host's name, also in the certificate: Talk's turns: URLs name it (browsers verify a
 * TURN server's certificate against the URL's host, and Firefox makes no TLS connection to an IP).
 * No DNS serves it: the browsers are told its address (src/browsers/trust.ts, target.hosts).
 */
export const TURN_DNS_NAME = 'turn.reference.talk-certify.test';
/** Browsers and coturn only ever see these for one run; a week covers any run and expires soon after. */
const VALIDITY_DAYS = 7;

export interface InstanceCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
  /**
   * What nginx serves for the web host: the server certificate above, or for a TLS fault profile
   * a certificate of the same CA that is wrong for the web host (coturn keeps the good one).
   */
  web: { certFile: string; keyFile: string };
}

/**
 * The web host's certificate: `valid` (the server certificate), `wrong-host` (signed by the
 * run's CA, valid now, but only for another host name) or `expired` (signed by the run's CA, for
 * the right names, its validity window ended yesterday).
 */
export type WebCertificate = 'valid' | 'wrong-host' | 'expired';

/** The only name in the `wrong-host` certificate: a name of the reference platform, not its web host. */
export const WRONG_HOST_DNS_NAME = 'other-host.talk-certify.test';

/**
 * A private CA per instance and a server certificate it signs, for the web host and the TURN host
 * (IP SANs, since browsers are given IP URLs) plus a DNS name. Made with the openssl CLI; P-256
 * keys, which take milliseconds where RSA takes a noticeable part of the start-up.
 */
export async function makeCertificates(dir: string, opts: { runId: string; ips: string[]; web?: WebCertificate }): Promise<InstanceCertificates> {
  const file = (name: string) => path.join(dir, name);
  const cn = `talk-certify reference CA ${opts.runId}`.replace(/[/\\=+,]/g, '-');
  writeFileSync(
    file('ca.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = v3_ca',
      '[dn]',
      `CN = ${cn}`,
      '[v3_ca]',
      'basicConstraints = critical, CA:TRUE, pathlen:0',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  writeFileSync(
    file('server.ext'),
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${[...opts.ips.map((ip) => `IP:${ip}`), `DNS:${REFERENCE_DNS_NAME}`, `DNS:${TURN_DNS_NAME}`].join(', ')}`,
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', String(VALIDITY_DAYS), '-config', file('ca.cnf')]);
    await run('openssl', ['req', '-new', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${REFERENCE_DNS_NAME}`]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      String(VALIDITY_DAYS),
      '-sha256',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);
    if (opts.web && opts.web !== 'valid') await makeFaultyWebCertificate(dir, opts.web, [...opts.ips.map((ip) => `IP:${ip}`), `DNS:${REFERENCE_DNS_NAME}`]);
  } catch (err) {
    throw new ReferencePlatformError('TLS', `Could not make the reference platform's certificates with openssl: ${(err as Error).message}`, { cause: err });
  }
  const web = opts.web && opts.web !== 'valid' ? { certFile: file('web.pem'), keyFile: file('web.key') } : { certFile: file('server.pem'), keyFile: file('server.key') };
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key'), web };
}

/**
 * `web.pem`/`web.key`, signed by the run's CA, wrong in one way only. `openssl ca`, since OpenSSL
 * 3.0 (Debian 12) sets an explicit validity window (`-startdate`/`-enddate`) only there.
 * wrong-host: valid now for a week, SAN only WRONG_HOST_DNS_NAME. expired: the right names
 * (`rightNames`), valid from 8 days ago until yesterday.
 */
async function makeFaultyWebCertificate(dir: string, kind: Exclude<WebCertificate, 'valid'>, rightNames: string[]): Promise<void> {
  const file = (name: string) => path.join(dir, name);
  const now = Date.now();
  const day = 86_400_000;
  const [start, end] = kind === 'expired' ? [new Date(now - 8 * day), new Date(now - day)] : [new Date(now - 3_600_000), new Date(now + VALIDITY_DAYS * day)];
  const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  const san = kind === 'wrong-host' ? `DNS:${WRONG_HOST_DNS_NAME}` : rightNames.join(', ');
  const cn = kind === 'wrong-host' ? WRONG_HOST_DNS_NAME : REFERENCE_DNS_NAME;
  writeFileSync(
    file('web-ca.cnf'),
    [
      '[ca]',
      'default_ca = tc',
      '[tc]',
      `database = ${file('web-index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${file('web-serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  writeFileSync(file('web-index.txt'), '');
  writeFileSync(file('web-serial'), `${randomBytes(8).toString('hex')}\n`);
  writeFileSync(
    file('web.ext'),
    ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = serverAuth', `subjectAltName = ${san}`, ''].join('\n'),
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-new', ...ec, '-keyout', file('web.key'), '-out', file('web.csr'), '-subj', `/CN=${cn}`]);
  await run('openssl', [
    'ca',
    '-batch',
    '-config',
    file('web-ca.cnf'),
    '-cert',
    file('ca.pem'),
    '-keyfile',
    file('ca.key'),
    '-in',
    file('web.csr'),
    '-out',
    file('web.pem'),
    '-startdate',
    stamp(start),
    '-enddate',
    stamp(end),
    '-extfile',
    file('web.ext'),
    '-notext',
  ]);
}
