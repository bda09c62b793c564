/**
 * `npm run certify [-- options]`: validates the configuration, runs the certification
 * (playwright.config.ts) and exits with the outcome (src/verdict/outcome.ts):
 *   0 CERTIFIED: every MUST check ran and passed,
 *   1 NOT CERTIFIED: a MUST check failed (an invalid TLS certificate is https.tls.valid failing),
 *   2 unusable input: a configuration or usage error, or a target the certification cannot start
 *     on (unreachable, not Nextcloud, wrong password, maintenance…); the message names the cause,
 *   3 INCOMPLETE: no MUST check failed, but one was not run (browsers that are not installed here
 *     do not count, see decideCertification); the report lists each with its reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectBrowsers } from '../browsers/detect.ts';
import { ConfigError, loadDotEnv, parseConfig } from '../config/index.ts';
import { sweepLedgers } from '../ledger/sweep.ts';
import { redactText, registerSecretsFromEnv } from '../redact/index.ts';
import { probeTargetOrTls, stateFilePath, type TargetState } from '../targets/index.ts';
import { TalkError } from '../talk/errors.ts';
import { EXIT_CODES_HELP, EXIT_UNUSABLE_INPUT, exitCodeFor } from '../verdict/outcome.ts';
import type { CertificationReport } from '../verdict/types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: npm run certify [-- options] [-- playwright options]

Certifies a Nextcloud Talk platform against Talk's system requirements.
Without TALK_URL it certifies the built-in reference platform.

Options (each also settable in .env, see .env.example):
  --url URL             Nextcloud to certify (TALK_URL)
  --profile NAME        reference platform profile (TALK_PROFILE), e.g. good, http-only, wasm-wrong-mime
  --browsers LIST       comma-separated browsers (TALK_BROWSERS): chromium,firefox,webkit,chrome,msedge,…
  --report-dir DIR      where reports go (TALK_REPORT_DIR, default reports/)
  --sweep               only delete what earlier runs that died left on the target (from their
                        ledgers under <report dir>/.state/ledger), then exit
  --help                this text

Exit codes:
${EXIT_CODES_HELP.map((l) => `  ${l}`).join('\n')}`;

const FLAGS: Record<string, string> = {
  '--url': 'TALK_URL',
  '--profile': 'TALK_PROFILE',
  '--browsers': 'TALK_BROWSERS',
  '--report-dir': 'TALK_REPORT_DIR',
};

function fail(message: string): never {
  process.stderr.write(`\ntalk-certify: ${redactText(message)}\n`);
  process.exit(EXIT_UNUSABLE_INPUT);
}

let sweepOnly = false;

function parseArgs(argv: string[]): string[] {
  const passthrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    }
    if (arg === '--') {
      passthrough.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--sweep') {
      sweepOnly = true;
      continue;
    }
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const variable = FLAGS[flag];
    if (!variable) fail(`unknown option "${arg}". Run \`npm run certify -- --help\`.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) fail(`option ${flag} needs a value.`);
    process.env[variable] = value;
  }
  return passthrough;
}

async function main(): Promise<void> {
  const passthrough = parseArgs(process.argv.slice(2));
  const hadDotEnv = loadDotEnv(ROOT);
  registerSecretsFromEnv();
  let config;
  try {
    config = parseConfig(process.env, ROOT);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  process.env.TALK_RUN_ID = config.runId;

  const out = (line = '') => process.stdout.write(`${line}\n`);
  if (sweepOnly) {
    if (config.target !== 'url') {
      out('Nothing to sweep: the reference and testcontainers platforms are discarded with their run.');
      process.exit(0);
    }
    const res = await sweepLedgers(config, undefined, (l) => out(`  ${redactText(l)}`));
    out(`Swept ${config.url}: ${res.deleted.length} deleted, ${res.gone.length} already gone, ${res.left.length} left.`);
    for (const l of res.left) out(`  left ${l.object.kind} ${l.object.id} (run ${l.object.runId}): ${redactText(l.reason)}`);
    process.exit(res.left.length > 0 ? 1 : 0);
  }
  out(`talk-certify — run ${config.runId}`);
  if (config.target === 'reference') {
    out(
      `${hadDotEnv ? '.env has no TALK_URL' : 'No .env file and no TALK_URL'}: certifying the built-in reference platform ` +
        `(profile "${config.profile}"). Set TALK_URL to certify your own Nextcloud.`,
    );
    if (process.getuid?.() !== 0) {
      fail(
        'the reference platform creates a network namespace and runs nginx and coturn in it, which needs root. Run as root (e.g. in a container or VM), or certify a URL with TALK_URL.',
      );
    }
  } else if (config.target === 'url') {
    out(`Target: ${config.url}`);
    // Preflight before Playwright starts (seconds of start-up saved on every bad input): is it a
    // Nextcloud, out of maintenance, do the credentials work. One authenticated request; a
    // rejection ends the run here, so a wrong password costs exactly one failed login.
    // A certificate problem is not unusable input: it is the verdict of https.tls.valid, so the
    // run goes on (nothing is sent over that connection) and the report says what is wrong.
    try {
      const { tlsInvalid } = await probeTargetOrTls(config.url!, config.user, config.caFile);
      if (tlsInvalid) {
        out(`  TLS certificate not valid: ${tlsInvalid.problems.join('; ')}.`);
        out('  The run goes on: https.tls.valid reports it, and the checks that need a valid certificate are reported as not run.');
      }
    } catch (err) {
      if (err instanceof TalkError) fail(`the certification could not start on ${config.url}: ${err.message}`);
      throw err;
    }
  }
  // `npm run certify` installed the npm dependencies; the system packages depend on the target,
  // known only now (TALK_URL, .env or --url): a URL run needs only the browsers (scripts/setup.sh).
  if (process.env.npm_lifecycle_event === 'certify') {
    const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup.sh'), '--system-only', '--for', config.target], { stdio: 'inherit' });
    if (setup.status !== 0)
      fail(`installing what a ${config.target} run needs failed (scripts/setup.sh --for ${config.target}, exit ${setup.status ?? setup.signal}); see its message above.`);
  }
  for (const b of detectBrowsers(config.browsers)) {
    out(
      `  browser ${b.name.padEnd(16)} ${b.available ? `${b.record.label ?? b.record.name}${b.record.executable ? ` (${b.record.executable})` : ''}` : `NOT RUN: ${b.record.notRunReason}`}`,
    );
  }
  out();

  // Stale results must not be mistaken for this run's.
  for (const f of ['certification.json', 'certification.md']) rmSync(path.join(config.reportDir, f), { force: true });
  rmSync(stateFilePath(config.reportDir), { force: true });

  const code = await runPlaywright(['test', '-c', path.join(ROOT, 'playwright.config.ts'), ...passthrough]);

  const state = readJson<TargetState>(stateFilePath(config.reportDir));
  if (state?.error) fail(`the certification could not start on ${state.url}: ${state.error.message}`);
  const report = readJson<CertificationReport>(path.join(config.reportDir, 'certification.json'));
  if (!report) fail(`the certification ended (Playwright exit ${code}) without writing ${path.join(config.reportDir, 'certification.json')}; see the output above.`);
  // Exit 0 only for CERTIFIED: an incomplete run (a MUST check that could not run) has not shown
  // that every MUST requirement is met; it has its own code (3), apart from a failed MUST (1).
  process.exit(report.summary.exitCode ?? exitCodeFor(report.summary.status));
}

function runPlaywright(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'playwright'), args, { cwd: ROOT, stdio: 'inherit', env: process.env });
    // Ctrl-C reaches the child through the terminal's process group; Playwright then stops the
    // workers and runs the global teardown (reference platform, cleanup). Wait for it.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
