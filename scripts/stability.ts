/**
 * `npm run stability [-- --runs N] [--profile P] [--browsers LIST] [-- playwright options]`: runs
 * the reference certification N times (default 10), one after another, and reports every verdict
 * that changed between runs (a check missing from a run counts as the verdict `absent`). A flaky
 * verdict is a defect of the suite (or of the reference platform), never of the certified server.
 * Each run's certification.json is kept under reports/stability/<time>/ so that a changed verdict
 * can be traced to the runs' evidence. Prints a table and one JSON line; exit 1 when any verdict
 * changed, 2 when a run produced no report.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertificationReport } from '../src/verdict/types.ts';
import { table } from './bench/table.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run stability -- [--runs N (2-50, default 10)] [--profile P (default good)] [--browsers LIST] [-- playwright options]';

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const args = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const passthrough = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const KNOWN = new Set(['--runs', '--profile', '--browsers']);
for (let i = 0; i < args.length; i += 2) {
  if (!KNOWN.has(args[i]!) || args[i + 1] === undefined) {
    process.stderr.write(`stability: unexpected argument "${args[i]}"\n${USAGE}\n`);
    process.exit(2);
  }
}
const opt = (name: string, dflt: string | undefined) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const runs = Number(opt('--runs', '10'));
const profile = opt('--profile', 'good')!;
const browsers = opt('--browsers', undefined);
if (!Number.isInteger(runs) || runs < 2 || runs > 50) {
  process.stderr.write(`stability: --runs must be a whole number from 2 to 50\n${USAGE}\n`);
  process.exit(2);
}

// Ctrl-C reaches the running certification through the process group; it cleans up (reference
// platform, ledger) before it exits, and this script must not die before it.
process.on('SIGINT', () => {});

const keepDir = path.join(ROOT, 'reports', 'stability', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(keepDir, { recursive: true });

/** One certification run through the CLI; its output goes to a log file next to the kept report. */
function certify(reportDir: string, log: string): Promise<number | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, TALK_PROFILE: profile, TALK_REPORT_DIR: reportDir, TALK_CERTIFY_NO_DOTENV: '1' };
  for (const k of ['TALK_URL', 'TALK_TARGET']) delete env[k];
  if (browsers) env.TALK_BROWSERS = browsers;
  const cliArgs = [path.join(ROOT, 'src', 'cli', 'certify.ts'), ...(passthrough.length ? ['--', ...passthrough] : [])];
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), cliArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('exit', (code) => {
      writeFileSync(log, Buffer.concat(chunks));
      resolve(code);
    });
  });
}

interface Seen {
  verdict: string;
  diagnosis: string | null;
}
const verdicts = new Map<string, (Seen | null)[]>();
const wall: number[] = [];
/** Per run: exit code, outcome and how many checks had each verdict (the table printed at the end). */
const rows: { code: number | null; status: string; wallS: number; counts: Record<string, number> }[] = [];
const VERDICT_COLUMNS = ['pass', 'fail', 'warn', 'not-applicable', 'not-run'] as const;
for (let i = 1; i <= runs; i++) {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tc-stability-'));
  const t0 = Date.now();
  const code = await certify(reportDir, path.join(keepDir, `run-${i}.log`));
  wall.push(Date.now() - t0);
  let report: CertificationReport;
  try {
    report = JSON.parse(readFileSync(path.join(reportDir, 'certification.json'), 'utf8')) as CertificationReport;
    copyFileSync(path.join(reportDir, 'certification.json'), path.join(keepDir, `run-${i}.json`));
  } catch {
    process.stderr.write(`run ${i}: no certification.json (exit ${code}); output in ${path.join(keepDir, `run-${i}.log`)}\n`);
    process.exit(2);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  const thisRun = new Set<string>();
  for (const c of report.checks) {
    const key = `${c.id} [${c.browser ?? 'platform'}]`;
    thisRun.add(key);
    const row = verdicts.get(key) ?? Array<Seen | null>(i - 1).fill(null);
    row.push({ verdict: c.verdict, diagnosis: c.diagnosis ?? c.reason ?? null });
    verdicts.set(key, row);
  }
  // A check that an earlier run had and this one has not.
  for (const [key, row] of verdicts) if (!thisRun.has(key)) row.push(null);
  const counts: Record<string, number> = {};
  for (const c of report.checks) counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
  rows.push({ code, status: report.summary.status, wallS: (Date.now() - t0) / 1000, counts });
  process.stdout.write(`run ${i}/${runs}: exit ${code}, ${report.summary.status}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

// The table: one row per run, the verdict counts beside its outcome and wall time.
process.stdout.write('\n');
table(
  rows.map((r, i) => ({ run: i + 1, exit: r.code, outcome: r.status, 'wall s': r.wallS.toFixed(1), ...Object.fromEntries(VERDICT_COLUMNS.map((v) => [v, r.counts[v] ?? 0])) })),
);

const label = (s: Seen | null) => s?.verdict ?? 'absent';
const changed = [...verdicts].filter(([, row]) => new Set(row.map(label)).size > 1);
process.stdout.write(`\n${verdicts.size} verdicts × ${runs} runs of profile "${profile}": ${changed.length} changed\n`);
for (const [key, row] of changed) {
  const counts = Object.entries(row.map(label).reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {}));
  process.stdout.write(`  ${key}: ${counts.map(([k, n]) => `${k} ×${n}`).join(', ')}\n`);
  row.forEach((s, i) => {
    if (s && s.verdict !== 'pass') process.stdout.write(`    run ${i + 1}: ${s.verdict} — ${s.diagnosis ?? '(no diagnosis)'}\n`);
  });
}
process.stdout.write(`Reports and logs of every run: ${path.relative(ROOT, keepDir)}/\n`);
const sorted = [...wall].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    profile,
    runs,
    verdicts: verdicts.size,
    flaky: changed.length,
    changed: changed.map(([key, row]) => ({ check: key, verdicts: row.map(label) })),
    wallMedianS: sorted[Math.floor((runs - 1) / 2)]! / 1000,
    wallMaxS: sorted[runs - 1]! / 1000,
  })}\n`,
);
process.exit(changed.length > 0 ? 1 : 0);
