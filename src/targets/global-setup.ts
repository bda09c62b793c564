import type { FullConfig } from '@playwright/test';
import { loadDotEnv, parseConfig } from '../config/index.ts';
import { sweepLedgers } from '../ledger/sweep.ts';
import { redactText, registerSecretsFromEnv } from '../redact/index.ts';
import { RESOLVED_ENV, type ResolvedTarget, errorCode, startTarget, writeTargetState } from './index.ts';

/**
 * Runs once per certification, before any worker: starts the reference platform when that is
 * the target, probes the target once, and hands the result to the workers (env) and to the
 * reporter (state file). Returns the teardown, which Playwright runs also after Ctrl-C.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  loadDotEnv();
  registerSecretsFromEnv();
  const config = parseConfig(process.env);
  const log = (line: string) => process.stdout.write(`[talk-certify] ${redactText(line)}\n`);
  try {
    const started = await startTarget(config, log);
    const { target } = started;
    if (target.kind === 'url' && target.tlsInvalid) {
      log('Not sweeping what earlier runs left: the TLS certificate is not valid, and nothing is sent over such a connection.');
    } else if (target.kind === 'url') {
      // What earlier runs that died left on this target is removed first, by ledger entry only.
      const swept = await sweepLedgers(config, config.runId, log);
      if (swept.deleted.length + swept.gone.length > 0) log(`Swept ${swept.deleted.length + swept.gone.length} object(s) left by earlier runs.`);
      for (const l of swept.left) log(`Could not sweep ${l.object.kind} ${l.object.id} of run ${l.object.runId}: ${l.reason}`);
    }
    process.env[RESOLVED_ENV] = JSON.stringify(target);
    writeTargetState(config.reportDir, {
      kind: target.kind,
      url: target.url,
      profile: target.profile,
      nextcloudVersion: target.tlsInvalid ? null : target.probe.status.versionstring,
      talkVersion: target.probe.talk.version,
      // The report's header says why there is no Talk version (issue 12 point 10): not installed, or not established.
      talkNote: talkNoteOf(target),
      runId: config.runId,
    });
    return async () => {
      await started.stop();
    };
  } catch (err) {
    const message = redactText(err instanceof Error ? err.message : String(err));
    writeTargetState(config.reportDir, {
      kind: config.target,
      url: config.url ?? (config.target === 'reference' ? '(reference platform)' : `(${config.target} platform)`),
      profile: config.target === 'reference' ? config.profile : null,
      nextcloudVersion: null,
      talkVersion: null,
      runId: config.runId,
      error: { code: errorCode(err), message },
    });
    // Playwright prints this and runs no test; the CLI turns it into exit code 2.
    const e = new Error(message);
    e.stack = message;
    throw e;
  }
}

/** Why the target has no Talk version: null when it has one. */
export function talkNoteOf(target: Pick<ResolvedTarget, 'tlsInvalid' | 'probe'>): string | null {
  if (target.tlsInvalid) return 'unknown: not established, the TLS certificate is not valid (see https.tls.valid)';
  if (target.probe.talk.installed) return null;
  return `not installed (${target.probe.talk.reason ?? 'no `spreed` capabilities'})`;
}
