/**
 * `npm run report [-- options]`: builds the reports of the last certification run.
 *
 *   (default)        Allure report: writes the run's environment (target, Nextcloud and Talk
 *                    versions, browsers and versions) and the failure categories into
 *                    <report dir>/allure-results, then runs the Allure 3 CLI (npm `allure`, no
 *                    Java) into <report dir>/allure-report. Prints where every report is.
 *   --merge DIR      first merges the blob reports of a sharded run (CI: one blob per machine)
 *                    with `playwright merge-reports` into one HTML report and one
 *                    certification.json/.md, then builds Allure as above; exits like
 *                    `npm run certify` (0 certified, 1 not certified, 2 error, 3 incomplete).
 *   --open           then serves the Allure report (allure open) until Ctrl-C.
 *
 * Exit codes: 0 built (and, with --merge, certified), 1 not certified (--merge), 2 nothing to
 * build from or a tool failed (the message says which), 3 incomplete (--merge; src/verdict/outcome.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT_UNUSABLE_INPUT, exitCodeFor } from '../verdict/outcome.ts';
import type { CertificationReport } from '../verdict/types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXIT_ERROR = EXIT_UNUSABLE_INPUT;

// ---------------------------------------------------------------------------------------------
// Allure environment and categories: pure, unit-tested in tests/selftest/report.
// ---------------------------------------------------------------------------------------------

/** What the Allure report shows under "Environment", from certification.json. */
export function allureEnvironment(report: CertificationReport): [string, string][] {
  const entries: [string, string][] = [
    ['Target', report.target.kind],
    ['Target URL', report.target.url],
  ];
  if (report.target.profile) entries.push(['Reference profile', report.target.profile]);
  entries.push(['Nextcloud', report.versions.nextcloud ?? 'unknown'], ['Talk', report.versions.talk ?? report.versions.talkNote ?? 'unknown']);
  for (const b of report.versions.browsers) {
    const label = (b as { label?: string | null }).label ?? b.name;
    entries.push([`Browser ${b.project}`, b.notRunReason ? `not run: ${b.notRunReason}` : `${label} ${b.version ?? '(version unknown)'}`]);
  }
  entries.push(['Certification', report.summary.status], ['Run', report.runId], [report.tool.name, report.tool.version]);
  return entries;
}

/** Java properties format (what Allure reads as environment.properties): `\`, `=`, `:`, `#`, `!` and line breaks escaped, non-ASCII as \uXXXX. */
export function toProperties(entries: [string, string][]): string {
  const esc = (s: string, key: boolean) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(key ? /[=: #!]/g : /[=:#!]/g, (c) => `\\${c}`)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return entries.map(([k, v]) => `${esc(k, true)}=${esc(v, false)}`).join('\n') + '\n';
}

/**
 * The kinds of failure, in the order they are matched (first match wins). The regexes match the
 * whole message, so the same patterns serve Allure 3 (search) and Allure 2's categories.json
 * (full match).
 *  - A failed requirement is written by the evidence recorder (fixtures/check.ts) as
 *    `<check id>: <diagnosis> … fix: <remedy>`: the platform is misconfigured.
 *  - A browser check skipped in a browser project: the browser is absent or cannot run the
 *    requirement (not applicable): the client is unsupported here, the platform is not at fault.
 *  - Anything else that broke or failed (an exception, a timeout, an assertion of the suite's own)
 *    is the suite's problem, not a verdict on the platform.
 */
export interface FailureCategory {
  name: string;
  description: string;
  statuses: ('failed' | 'broken' | 'skipped')[];
  messageRegex?: string;
  /** Allure 3 only: labels the result must carry (allure-playwright labels from fixtures). */
  labels?: Record<string, string>;
}

export const FAILURE_CATEGORIES: readonly FailureCategory[] = [
  {
    name: 'Platform misconfiguration',
    description: 'A requirement of Talk is not met by the platform; the message names the check, the diagnosis and the fix.',
    statuses: ['failed'],
    messageRegex: '[\\s\\S]*\\b[a-z]+(\\.[a-z0-9-]+)+: [\\s\\S]*\\bfix: [\\s\\S]*',
  },
  {
    name: 'Client unsupported',
    description: 'The browser of this project is not installed here, or cannot run this requirement at all (not applicable); the platform is not at fault.',
    statuses: ['skipped'],
    labels: { browser: '.+' },
  },
  {
    name: 'Suite error',
    description: 'The check itself broke (exception, timeout, an assertion of the suite): no verdict on the platform; see the trace.',
    statuses: ['broken', 'failed'],
  },
];

/** categories.json for Allure 2 readers (and the Allure 3 "classic" plugin). */
export function allure2Categories(categories: readonly FailureCategory[] = FAILURE_CATEGORIES): object[] {
  return categories
    .filter((c) => !c.labels)
    .map((c) => ({
      name: c.name,
      description: c.description,
      matchedStatuses: c.statuses,
      ...(c.messageRegex ? { messageRegex: c.messageRegex } : {}),
    }));
}

/** The Allure 3 configuration (allurerc): report name, output, categories with label matchers. */
export function allureConfig(opts: { output: string; name: string }, categories: readonly FailureCategory[] = FAILURE_CATEGORIES): object {
  return {
    name: opts.name,
    output: opts.output,
    categories: categories.map((c) => ({
      name: c.name,
      matchers: [{ statuses: c.statuses, ...(c.messageRegex ? { message: c.messageRegex } : {}), ...(c.labels ? { labels: c.labels } : {}) }],
    })),
  };
}

export function reportName(report: CertificationReport | null): string {
  if (!report) return 'talk-certify';
  const nc = report.versions.nextcloud ? ` — Nextcloud ${report.versions.nextcloud}` : '';
  const talk = report.versions.talk ? `, Talk ${report.versions.talk}` : '';
  return `talk-certify ${report.target.kind}${nc}${talk} (${report.summary.status})`;
}

// ---------------------------------------------------------------------------------------------
// The command.
// ---------------------------------------------------------------------------------------------

export interface ReportPaths {
  reportDir: string;
  results: string;
  allureReport: string;
  html: string;
  json: string;
}

export function reportPaths(reportDir: string): ReportPaths {
  return {
    reportDir,
    results: path.join(reportDir, 'allure-results'),
    allureReport: path.join(reportDir, 'allure-report'),
    html: path.join(reportDir, 'html', 'index.html'),
    json: path.join(reportDir, 'certification.json'),
  };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', bin), args, { cwd: ROOT, stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

function readReport(file: string): CertificationReport | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CertificationReport;
  } catch {
    return null;
  }
}

/** Writes environment.properties and categories.json into the results, and the Allure config; returns the config file. */
export function prepareAllure(paths: ReportPaths, report: CertificationReport | null): string {
  mkdirSync(paths.results, { recursive: true });
  if (report) writeFileSync(path.join(paths.results, 'environment.properties'), toProperties(allureEnvironment(report)));
  writeFileSync(path.join(paths.results, 'categories.json'), `${JSON.stringify(allure2Categories(), null, 2)}\n`);
  const configFile = path.join(paths.reportDir, '.state', 'allurerc.json');
  mkdirSync(path.dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify(allureConfig({ output: paths.allureReport, name: reportName(report) }), null, 2)}\n`);
  return configFile;
}

/** Builds the Allure report; returns Allure's exit code. */
export async function buildAllure(paths: ReportPaths, report: CertificationReport | null): Promise<number> {
  const configFile = prepareAllure(paths, report);
  // A report from an earlier run must not survive under this run's name.
  rmSync(paths.allureReport, { recursive: true, force: true });
  return run('allure', ['generate', '--config', configFile, '--output', paths.allureReport, paths.results]);
}

function hasResults(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('-result.json'));
}

/** The first target.json under a folder of downloaded shard artifacts (each shard's .state/target.json). */
function findStateFile(dir: string): string | null {
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.shift()!;
    for (const entry of readdirSync(d).sort()) {
      const p = path.join(d, entry);
      if (entry === 'target.json' && statSync(p).isFile()) return p;
      if (statSync(p).isDirectory()) stack.push(p);
    }
  }
  return null;
}

const HELP = `Usage: npm run report [-- options]

Builds the reports of the last certification (reports/ or TALK_REPORT_DIR):
the Allure report (Allure 3 CLI, with environment and failure categories) in allure-report/,
and prints where the HTML report and certification.json/.md are.

Options:
  --merge DIR         merge the blob reports of a sharded run (*.zip in DIR) first:
                      one HTML report and one certification.json/.md; exit code as npm run certify
  --state FILE        with --merge: the target state a shard's global setup wrote
                      (default: the first target.json found under DIR)
  --report-dir DIR    where the reports are (TALK_REPORT_DIR, default reports/)
  --open              serve the Allure report afterwards (Ctrl-C to stop)
  --help              this text`;

function fail(message: string): never {
  process.stderr.write(`\ntalk-certify report: ${message}\n`);
  process.exit(EXIT_ERROR);
}

async function main(argv: string[]): Promise<void> {
  let mergeDir: string | null = null;
  let stateFile: string | null = null;
  let open = false;
  let reportDir = process.env.TALK_REPORT_DIR || 'reports';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`option ${arg} needs a value.`);
      return v;
    };
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${HELP}\n`);
      return;
    } else if (arg === '--merge') mergeDir = path.resolve(value());
    else if (arg === '--state') stateFile = path.resolve(value());
    else if (arg === '--report-dir') reportDir = value();
    else if (arg === '--open') open = true;
    else fail(`unknown option "${arg}". Run \`npm run report -- --help\`.`);
  }
  const paths = reportPaths(path.resolve(ROOT, reportDir));
  const out = (line = '') => process.stdout.write(`${line}\n`);

  if (mergeDir) {
    if (!existsSync(mergeDir) || !readdirSync(mergeDir).some((f) => f.endsWith('.zip'))) {
      fail(`no blob reports (*.zip) in ${mergeDir}: download every shard's blob artifact into it first.`);
    }
    const state = stateFile ?? findStateFile(mergeDir);
    out(`Merging the shards' blob reports in ${mergeDir}${state ? ` (target state ${state})` : ' (no target state found: target and versions will be unknown)'}…`);
    for (const f of ['certification.json', 'certification.md']) rmSync(path.join(paths.reportDir, f), { force: true });
    const code = await run('playwright', ['merge-reports', '--config', path.join(ROOT, 'scripts', 'report.merge.config.ts'), mergeDir], {
      ...process.env,
      TALK_REPORT_DIR: paths.reportDir,
      TALK_MERGE_STATE_FILE: state ?? path.join(paths.reportDir, '.state', 'no-target-state.json'),
    });
    if (!existsSync(paths.json)) fail(`playwright merge-reports (exit ${code}) wrote no ${paths.json}; see its output above.`);
  }

  const report = readReport(paths.json);
  if (!report) out(`No ${paths.json}: the Allure report gets no environment information.`);
  if (!hasResults(paths.results)) {
    fail(`no Allure results in ${paths.results}: run the certification first (npm run certify), or pass --merge with the shards' blob reports.`);
  }
  const code = await buildAllure(paths, report);
  if (code !== 0 || !existsSync(path.join(paths.allureReport, 'index.html'))) fail(`allure generate failed (exit ${code}); see its output above.`);

  out();
  out('Reports:');
  if (report) out(`  certification  ${report.summary.status.toUpperCase()} — ${paths.json} (.md beside it)`);
  out(`  HTML           ${existsSync(paths.html) ? paths.html : '(none: the run wrote no HTML report)'}  (npx playwright show-report ${path.dirname(paths.html)})`);
  out(`  Allure         ${path.join(paths.allureReport, 'index.html')}  (npm run report -- --open)`);

  if (open) {
    await run('allure', ['open', paths.allureReport]);
    return;
  }
  if (mergeDir) process.exit(report ? (report.summary.exitCode ?? exitCodeFor(report.summary.status)) : EXIT_ERROR);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
}
