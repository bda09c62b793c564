import type { Credentials } from '../config/index.ts';
import { type TargetProbe, probeTarget } from '../talk/probe.ts';
import { TalkError } from '../talk/errors.ts';
import { probeTls, tlsProblems } from '../tls/index.ts';
import type { TlsInvalid } from './types.ts';

/**
 * probeTarget, except that a certificate problem is not the end of the run: it is the verdict of
 * https.tls.valid. Nothing is sent over a connection whose certificate did not verify (no status,
 * no credentials): the returned probe is a placeholder and `tlsInvalid` says why.
 */
export async function probeTargetOrTls(url: string, credentials: Credentials | undefined, caFile?: string): Promise<{ probe: TargetProbe; tlsInvalid: TlsInvalid | null }> {
  try {
    return { probe: await probeTarget(url, credentials, caFile), tlsInvalid: null };
  } catch (err) {
    if (!(err instanceof TalkError && err.code === 'TLS') || new URL(url).protocol !== 'https:') throw err;
    const obs = await probeTls(url, caFile);
    const problems = tlsProblems(obs);
    // A rejection the observation cannot explain (e.g. a TLS error only on the HTTP request) stays an error.
    if (problems.length === 0 || obs.connectError) throw err;
    const unknown = 'not established: the TLS certificate is not valid (see https.tls.valid)';
    return {
      probe: {
        url,
        status: { installed: false, maintenance: false, needsDbUpgrade: false, version: '', versionstring: '', productname: 'Nextcloud' },
        user: null,
        talk: { installed: false, version: null, features: [], config: {}, reason: unknown },
        probedAt: new Date().toISOString(),
      },
      tlsInvalid: { problems },
    };
  }
}
