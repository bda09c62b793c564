import { expect, test } from '@playwright/test';
import { progressLine, summaryTable, truncate } from '../../../src/reporter/format.ts';
import { MAX_EVIDENCE_CHARS, renderMarkdown } from '../../../src/reporter/markdown.ts';
import type { CertificationReport, CheckResult } from '../../../src/verdict/types.ts';

/** The human-readable outputs, from a hand-made report: layout rules that the runner tests do not pin. */

const check = (over: Partial<CheckResult>): CheckResult => ({
  id: 'https.tls.valid',
  title: 'the TLS certificate chain and host name of the Nextcloud URL are valid',
  requirement: 'HTTPS is required for WebRTC.',
  severity: 'must',
  browser: null,
  project: 'platform',
  verdict: 'pass',
  provenance: 'observed',
  criterion: 'TLS handshake verified against the system trust store',
  observed: 'TLSv1.3, chain ok',
  diagnosis: null,
  reason: null,
  evidence: {},
  remedy: null,
  attempts: 1,
  flaky: false,
  durationMs: 12,
  ...over,
});

const report = (checks: CheckResult[], over: Partial<CertificationReport> = {}): CertificationReport => ({
  tool: { name: 'talk-certify', version: '0.1.0' },
  runId: 'tc-1',
  target: { kind: 'url', url: 'https://cloud.example.test/', profile: null },
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:01:00.000Z',
  versions: { nextcloud: '31.0.4', talk: '21.0.2', browsers: [] },
  summary: {
    certified: false,
    status: 'not-certified',
    counts: { pass: 0, fail: 1, warn: 0, 'not-applicable': 0, 'not-run': 0 },
    mustFailed: ['https.tls.valid (platform)'],
    mustNotRun: [],
    notes: [],
  },
  error: null,
  checks,
  ...over,
});

test('a progress line puts the verdict, id, where and observed value on one line', () => {
  expect(progressLine(check({}), 160)).toBe('✔ pass            https.tls.valid  (platform)  TLSv1.3, chain ok');
  expect(progressLine(check({ verdict: 'fail', observed: 'expired', diagnosis: 'the certificate expired 3 days ago' }), 160)).toBe(
    '✘ fail            https.tls.valid  (platform)  expired — the certificate expired 3 days ago',
  );
  expect([...progressLine(check({ observed: 'x'.repeat(500) }), 100)]).toHaveLength(100);
});

test('the summary table prints each criterion beside the observed value, and the report paths', () => {
  const text = summaryTable(
    report([check({ verdict: 'fail', observed: 'expired' })]),
    { json: 'r/c.json', markdown: 'r/c.md', html: 'r/html/index.html', allure: 'r/allure-results' },
    160,
  );
  const row = text.split('\n').find((l) => l.includes('https.tls.valid'))!;
  expect(row).toMatch(/✘ fail\s+https\.tls\.valid\s+platform\s+the TLS certificate.*\s+expired\s+TLS handshake verified/);
  expect(text).toContain('NOT CERTIFIED (exit 1): 1 must check(s) failed: https.tls.valid (platform).');
  expect(text).toContain('r/html/index.html');
  expect(text.split('\n').every((l) => [...l].length <= 160)).toBe(true);
});

test('markdown table cells survive pipes and line breaks; evidence fences survive backticks', () => {
  const md = renderMarkdown(
    report([
      check({
        verdict: 'fail',
        observed: 'a | b\nc',
        diagnosis: 'bad',
        remedy: 'fix it',
        evidence: { snippet: '```js\nalert(1)\n```' },
      }),
    ]),
  );
  const row = md.split('\n').find((l) => l.startsWith('| `https.tls.valid`'))!;
  expect(row).toContain('a \\| b c');
  expect(row.split(/(?<!\\)\|/)).toHaveLength(8);
  expect(md).toContain('````json\n');
  expect(md).toContain('**Remedy:** fix it');
});

test('long evidence is cut in markdown, with a pointer to the JSON report', () => {
  const md = renderMarkdown(report([check({ verdict: 'fail', evidence: { body: 'y'.repeat(MAX_EVIDENCE_CHARS * 2) } })]));
  expect(md).toContain('the full evidence is in certification.json');
  expect(md.length).toBeLessThan(MAX_EVIDENCE_CHARS + 3000);
});

test('truncate counts characters, not UTF-16 units, and flattens newlines', () => {
  expect(truncate('✔✔✔✔', 3)).toBe('✔✔…');
  expect(truncate('a\n  b', 10)).toBe('a b');
});

test('an incomplete run states its outcome and exit code, and lists what was not established and why (issue 12 point 4)', () => {
  const notRun = check({
    id: 'call.media',
    browser: 'firefox',
    project: 'firefox',
    verdict: 'not-run',
    reason: "could not drive Talk 22.0.2's UI at step join the call",
    observed: 'not observed',
  });
  const r = report([check({}), notRun], {
    summary: {
      certified: false,
      status: 'incomplete',
      counts: { pass: 1, fail: 0, warn: 0, 'not-applicable': 0, 'not-run': 1 },
      mustFailed: [],
      mustNotRun: ['call.media (firefox)'],
      notEstablished: [{ check: 'call.media (firefox)', reason: "could not drive Talk 22.0.2's UI at step join the call" }],
      exitCode: 3,
      notes: [],
    },
  });
  const md = renderMarkdown(r);
  expect(md).toContain('**INCOMPLETE (exit 3):** no must check failed, but 1 did not run: call.media (firefox).');
  expect(md).toContain('## Not established\n\nThese must checks did not run, so the requirement each one certifies was not established.');
  expect(md).toContain("\n- call.media (firefox): could not drive Talk 22.0.2's UI at step join the call");
  const text = summaryTable(r, { json: 'j', markdown: 'm', html: 'h', allure: 'a' }, 200);
  expect(text).toContain('INCOMPLETE (exit 3): no must check failed');
  expect(text).toContain("○ call.media (firefox): could not drive Talk 22.0.2's UI at step join the call");
});

test('the header says "not installed" when Talk is absent, and why there is no version when it is unknown (issue 12 point 10)', () => {
  const missing = renderMarkdown(
    report([check({})], { versions: { nextcloud: '32.0.1', talk: null, talkNote: 'not installed (the capabilities have no `spreed` entry)', browsers: [] } }),
  );
  expect(missing).toContain('| Talk | not installed (the capabilities have no `spreed` entry) |');
  expect(missing).not.toContain('| Talk | unknown |');
  // Reports written before talkNote existed still read.
  expect(renderMarkdown(report([check({})], { versions: { nextcloud: null, talk: null, browsers: [] } }))).toContain('| Talk | unknown |');
});
