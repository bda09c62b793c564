/**
 * `npm run stability [-- --runs N] [-- --profile P]`: runs the reference certification N times
 * (default 10) and reports every verdict that changed between runs. A flaky verdict is a defect
 * of the suite (or of the reference platform), never of the certified server. Prints a table and
 * one JSON line; exit 1 when any verdict changed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertificationReport } from '../src/verdict/types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const runs = Number(opt('--runs', '10'));
const profile = opt('--profile', 'good');
if (!Number.isInteger(runs) || runs < 2 || runs > 50) {
  process.stderr.write('--runs must be a whole number from 2 to 50\n');
  process.exit(2);
}

const verdicts = new Map<string, string[]>();
const wall: number[] = [];
for (let i = 1; i <= runs; i++) {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-stability-'));
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, TALK_PROFILE: profile, TALK_REPORT_DIR: reportDir, TALK_CERTIFY_NO_DOTENV: '1' };
  for (const k of ['TALK_URL', 'TALK_TARGET']) delete env[k];
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'cli', 'certify.ts')], { cwd: ROOT, env, encoding: 'utf8' });
  wall.push(Date.now() - t0);
  let report: CertificationReport;
  try {
    report = JSON.parse(readFileSync(path.join(reportDir, 'certification.json'), 'utf8')) as CertificationReport;
  } catch {
    process.stderr.write(`run ${i}: no certification.json (exit ${r.status})\n${r.stdout}\n${r.stderr}\n`);
    process.exit(2);
  }
  for (const c of report.checks) {
    const key = `${c.id} [${c.browser ?? 'platform'}]`;
    verdicts.set(key, [...(verdicts.get(key) ?? []), c.verdict]);
  }
  process.stdout.write(`run ${i}/${runs}: exit ${r.status}, ${report.summary.status}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  rmSync(reportDir, { recursive: true, force: true });
}

const changed = [...verdicts].filter(([, v]) => new Set(v).size > 1);
process.stdout.write(`\n${verdicts.size} verdicts × ${runs} runs of profile "${profile}": ${changed.length} changed\n`);
for (const [key, v] of changed) {
  const counts = Object.entries(v.reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {}));
  process.stdout.write(`  ${key}: ${counts.map(([k, n]) => `${k} ×${n}`).join(', ')}\n`);
}
const sorted = [...wall].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ profile, runs, verdicts: verdicts.size, flaky: changed.length, wallMedianS: sorted[Math.floor(runs / 2)]! / 1000, wallMaxS: sorted[runs - 1]! / 1000 })}\n`,
);
process.exit(changed.length > 0 ? 1 : 0);
