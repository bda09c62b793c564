import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertificationReport } from '../../../src/verdict/types.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A whole certification: platform start, two browsers, every check. */
export const CERTIFY_RUN_TIMEOUT_MS = 200_000;

export interface CertifyRun {
  exitCode: number;
  output: string;
  reportDir: string;
  report: CertificationReport;
}

/**
 * Runs `src/cli/certify.ts` (what `npm run certify` runs after setup) in a child process with its
 * own report folder, and returns its exit code, output and certification.json.
 */
export async function runCertify(env: Record<string, string>, args: string[] = []): Promise<CertifyRun> {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-selftest-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TALK_REPORT_DIR: reportDir, TALK_WORKERS: '2', ...env };
  // The developer's own .env must not leak into a self-test; children see only what the test sets.
  for (const k of Object.keys(childEnv)) if (k.startsWith('TALK_') && !(k in env) && k !== 'TALK_REPORT_DIR' && k !== 'TALK_WORKERS') delete childEnv[k];
  childEnv.TALK_CERTIFY_NO_DOTENV = '1';
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
      reject(new Error(`certify did not finish within ${CERTIFY_RUN_TIMEOUT_MS} ms:\n${out}`));
    }, CERTIFY_RUN_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, output: out });
    });
  });
  const file = path.join(reportDir, 'certification.json');
  if (!existsSync(file)) throw new Error(`no certification.json (exit ${exitCode}):\n${output}`);
  return { exitCode, output, reportDir, report: JSON.parse(readFileSync(file, 'utf8')) as CertificationReport };
}
