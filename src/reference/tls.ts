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
}

/**
 * A private CA per instance and a server certificate it signs, for the web host and the TURN host
 * (IP SANs, since browsers are given IP URLs) plus a DNS name. Made with the openssl CLI; P-256
 * keys, which take milliseconds where RSA takes a noticeable part of the start-up.
 */
export async function makeCertificates(dir: string, opts: { runId: string; ips: string[] }): Promise<InstanceCertificates> {
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
      'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-days', String(VALIDITY_DAYS), '-sha256',
      '-extfile', file('server.ext'), '-out', file('server.pem'),
    ]);
  } catch (err) {
    throw new ReferencePlatformError('TLS', `Could not make the reference platform's certificates with openssl: ${(err as Error).message}`, { cause: err });
  }
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}
