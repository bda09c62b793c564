import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** Debian/Ubuntu's system trust store, as update-ca-certificates writes it. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

/**
 * The CA certificates a check trusts: Node's bundled Mozilla roots, the system's trust store
 * and the operator's private CA (TALK_CA_FILE). Passing `ca` to TLS replaces Node's defaults,
 * so all three are listed explicitly. Verification itself is never turned off.
 */
export function trustedCAs(caFile?: string): string[] {
  const cas = [...rootCertificates];
  const bundle = SYSTEM_BUNDLES.find((f) => existsSync(f));
  if (bundle) cas.push(readFileSync(bundle, 'utf8'));
  if (caFile) cas.push(readFileSync(caFile, 'utf8'));
  return cas;
}
