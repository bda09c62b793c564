import net from 'node:net';
import tls from 'node:tls';
import { CONNECT_TIMEOUT_MS } from '../talk/http.ts';
import { trustedCAs } from '../talk/trust.ts';

export interface TlsObservation {
  host: string;
  port: number;
  /** Handshake done and the chain verified against the trusted CAs. */
  chainValid: boolean;
  /** The certificate is for this host (RFC 6125 via tls.checkServerIdentity). */
  hostnameValid: boolean;
  /** OpenSSL's verdict on the chain, e.g. SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED. */
  chainError: string | null;
  hostnameError: string | null;
  /** Connecting failed before any certificate was seen (refused, timeout, not TLS). */
  connectError: string | null;
  protocol: string | null;
  cipher: string | null;
  subject: string | null;
  issuer: string | null;
  subjectAltNames: string | null;
  validFrom: string | null;
  validTo: string | null;
  daysLeft: number | null;
  /** Subjects from the leaf up, as the server sent them. */
  chain: string[];
  trustStore: string;
}

/**
 * Opens a TLS connection to the URL's host and reports what it saw. The handshake is made with
 * `rejectUnauthorized: false` only so that a broken certificate can be described (expired,
 * self-signed, wrong host) instead of just refused; the verdict comes from OpenSSL's own
 * verification result (`socket.authorized`) and Node's host-name check, against the system
 * trust store plus TALK_CA_FILE. Nothing is sent over the connection.
 */
export async function probeTls(url: string, caFile?: string): Promise<TlsObservation> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.protocol === 'https:' ? u.port || 443 : 443);
  const base: TlsObservation = {
    host,
    port,
    chainValid: false,
    hostnameValid: false,
    chainError: null,
    hostnameError: null,
    connectError: null,
    protocol: null,
    cipher: null,
    subject: null,
    issuer: null,
    subjectAltNames: null,
    validFrom: null,
    validTo: null,
    daysLeft: null,
    chain: [],
    trustStore: caFile ? `system trust store + TALK_CA_FILE (${caFile})` : 'system trust store',
  };
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      // SNI must not be an IP address (RFC 6066 section 3).
      servername: net.isIP(host) ? undefined : host,
      ca: trustedCAs(caFile),
      rejectUnauthorized: false,
      // Node folds the host-name check into `authorized`; keep the two verdicts apart and run
      // the same check (tls.checkServerIdentity) separately below.
      checkServerIdentity: () => undefined,
      timeout: CONNECT_TIMEOUT_MS,
    });
    const finish = (obs: TlsObservation) => {
      socket.destroy();
      resolve(obs);
    };
    socket.once('timeout', () => finish({ ...base, connectError: `no TLS handshake with ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms` }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ...base, connectError: `${err.code ?? 'ERROR'}: ${err.message}` }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(true);
      const identityError = cert && Object.keys(cert).length > 0 ? tls.checkServerIdentity(host, cert) : new Error('no certificate');
      const chain: string[] = [];
      let c: tls.DetailedPeerCertificate | undefined = cert;
      const seen = new Set<string>();
      while (c && c.fingerprint256 && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        chain.push(formatName(c.subject));
        c = c.issuerCertificate;
      }
      const validTo = cert.valid_to ? new Date(cert.valid_to) : null;
      finish({
        ...base,
        chainValid: socket.authorized,
        chainError: socket.authorized ? null : String(socket.authorizationError ?? 'unknown'),
        hostnameValid: !identityError,
        hostnameError: identityError ? identityError.message : null,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name ?? null,
        subject: formatName(cert.subject),
        issuer: formatName(cert.issuer),
        subjectAltNames: cert.subjectaltname ?? null,
        validFrom: cert.valid_from ? new Date(cert.valid_from).toISOString() : null,
        validTo: validTo ? validTo.toISOString() : null,
        daysLeft: validTo ? Math.floor((validTo.getTime() - Date.now()) / 86_400_000) : null,
        chain,
      });
    });
  });
}

function formatName(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/**
 * Why a TLS observation is not a valid HTTPS certificate for its host, in words an operator acts
 * on: the names the certificate holds against the host, the validity dates, the issuer and
 * OpenSSL's verdict on the chain. Empty when the certificate is valid. Shared by https.tls.valid
 * and by the target's preflight, which turns these into the reason the dependent checks cite.
 */
export function tlsProblems(obs: TlsObservation, now: Date = new Date()): string[] {
  if (obs.connectError) return [`no TLS handshake with ${obs.host}:${obs.port} (${obs.connectError})`];
  const problems: string[] = [];
  const validFrom = obs.validFrom ? new Date(obs.validFrom) : null;
  const validTo = obs.validTo ? new Date(obs.validTo) : null;
  const dates = `valid from ${obs.validFrom ?? '?'} to ${obs.validTo ?? '?'}`;
  if (!obs.hostnameValid) {
    problems.push(
      `the certificate is not for ${obs.host}: it names ${obs.subjectAltNames ? `only ${obs.subjectAltNames}` : `no subject alternative name (subject ${obs.subject || '?'})`}` +
        `${obs.hostnameError ? ` (${obs.hostnameError})` : ''}`,
    );
  }
  if (validTo && validTo.getTime() < now.getTime()) {
    problems.push(`the certificate expired on ${obs.validTo} (${dates}; ${Math.floor((now.getTime() - validTo.getTime()) / 86_400_000)} day(s) ago)`);
  } else if (validFrom && validFrom.getTime() > now.getTime()) {
    problems.push(`the certificate is not valid yet (${dates})`);
  }
  // OpenSSL reports an expired leaf as the chain error too; say it once, above.
  const dateCodes = /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/;
  if (!obs.chainValid && !(obs.chainError && dateCodes.test(obs.chainError) && problems.some((p) => /expired|not valid yet/.test(p)))) {
    const privateCa = /SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY_LEAF)/.test(obs.chainError ?? '');
    problems.push(
      `the certificate chain does not verify against the ${obs.trustStore} (${obs.chainError}): issued by ${obs.issuer || '?'}` +
        (privateCa ? '; if this is your private CA, give its certificate (PEM) to the suite with TALK_CA_FILE, otherwise use a certificate from a CA browsers trust' : ''),
    );
  }
  return problems;
}
