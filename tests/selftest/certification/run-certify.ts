import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertificationReport } from '../../../src/verdict/types.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A whole certification: platform start, two browsers, every check. */
export const CERTIFY_RUN_TIMEOUT_MS = 200_000;
/**
 * A whole certification including the call checks (each a real call: two logins, ICE, media,
 * blur), which add about two minutes on 2 cores.
 */
export const CERTIFY_WITH_CALLS_TIMEOUT_MS = 420_000;

export interface CertifyRun {
  exitCode: number;
  output: string;
  reportDir: string;
  report: CertificationReport;
}

export interface CliRun {
  exitCode: number;
  output: string;
  reportDir: string;
  /** Wall time of the whole CLI run. */
  ms: number;
}

/**
 * Runs `src/cli/certify.ts` (what `npm run certify` runs after setup) in a child process with its
 * own report folder and only the TALK_* variables the test gives (never the developer's .env).
 */
export async function runCli(env: Record<string, string>, args: string[] = [], timeoutMs = CERTIFY_RUN_TIMEOUT_MS): Promise<CliRun> {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-selftest-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('TALK_')) delete childEnv[k];
  Object.assign(childEnv, { TALK_REPORT_DIR: reportDir, TALK_WORKERS: '2', TALK_CERTIFY_NO_DOTENV: '1' }, env);
  const started = Date.now();
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'cli', 'certify.ts'), ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`certify did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, output: out });
    });
  });
  return { exitCode, output, reportDir, ms: Date.now() - started };
}

/** A whole certification run; fails when it wrote no certification.json. */
export async function runCertify(env: Record<string, string>, args: string[] = [], timeoutMs = CERTIFY_RUN_TIMEOUT_MS): Promise<CertifyRun> {
  const run = await runCli(env, args, timeoutMs);
  const file = path.join(run.reportDir, 'certification.json');
  if (!existsSync(file)) throw new Error(`no certification.json (exit ${run.exitCode}):\n${run.output}`);
  return { ...run, report: JSON.parse(readFileSync(file, 'utf8')) as CertificationReport };
}
