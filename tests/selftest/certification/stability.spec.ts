import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ROOT } from './run-certify.ts';

/**
 * `npm run stability` (scripts/stability.ts): N reference certifications one after another, a
 * table of every run's verdict counts, and the verdicts that changed. Two short runs (one check,
 * Chromium) are enough to show the table and the comparison; the 10-run figures are in the README.
 */
test('npm run stability: runs the certification N times and prints a table of every run and the verdicts that changed', async () => {
  test.setTimeout(120_000);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TALK_')) delete env[k];
  const args = [path.join(ROOT, 'scripts', 'stability.ts'), '--runs', '2', '--browsers', 'chromium', '--', '--grep', 'https.tls.valid'];
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (c) => resolve({ code: c, out: text }));
  });
  const kept = /Reports and logs of every run: (\S+)\//.exec(out)?.[1];
  if (kept) rmSync(path.join(ROOT, kept), { recursive: true, force: true });
  await test.info().attach('stability output', { body: out, contentType: 'text/plain' });

  // Exit 0: no verdict changed between the two runs.
  expect(code, out).toBe(0);
  const lines = out.split('\n');
  const header = lines.findIndex((l) => /^run\s+exit\s+outcome\s+wall s\s+pass\s+fail\s+warn\s+not-applicable\s+not-run\s*$/.test(l));
  expect(header, out).toBeGreaterThan(-1);
  const rows = lines.slice(header + 1, header + 3).map((l) => l.trim().split(/\s+/));
  expect(rows.map((r) => r[0])).toEqual(['1', '2']);
  for (const r of rows) {
    // The one check asked for passed in each run; the checks left out by --grep did not run.
    expect(Number(r[4]), out).toBe(1);
    expect(Number(r[5]), out).toBe(0);
    expect(Number(r[8]), out).toBeGreaterThan(0);
  }
  const summary = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1)!) as { runs: number; verdicts: number; flaky: number };
  expect(summary).toMatchObject({ runs: 2, flaky: 0 });
  expect(summary.verdicts).toBeGreaterThan(1);
  expect(out).toContain('0 changed');
});
