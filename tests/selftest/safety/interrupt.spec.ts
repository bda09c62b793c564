import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { ledgerDir } from '../../../src/ledger/index.ts';
import { CHAT_POLL_TIMEOUT_S } from '../../../src/load/engine.ts';
import type { ReferencePlatform } from '../../../src/reference/index.ts';
import { NOT_ROOT, NOT_ROOT_REASON } from '../reference/helpers.ts';
import { expect, test } from '../support/platform.ts';
import { ROOT, runCli } from '../certification/run-certify.ts';

/**
 * A certification killed in the middle — Ctrl-C (SIGINT to the whole process group, as a terminal
 * sends it) or SIGKILL of the runner and its workers — leaves nothing on the target once swept.
 * The target is the worker's reference platform, certified as a URL (tests/selftest/support/platform.ts).
 * The check killed mid-way is load.longpoll.not-cut, which holds a chat poll for 30 s.
 */
test.skip(NOT_ROOT, NOT_ROOT_REASON);

async function onTarget(platform: ReferencePlatform): Promise<{ users: number; rooms: number }> {
  const res = await request(new URL('__reference/state', platform.control.url), { headers: { 'x-reference-control': platform.control.token } });
  return (await res.body.json()) as { users: number; rooms: number };
}

function env(platform: ReferencePlatform, reportDir: string): Record<string, string> {
  const { alice, bob, admin } = platform.users;
  return {
    TALK_URL: platform.url,
    TALK_CA_FILE: platform.caFile,
    TALK_USER: alice.user,
    TALK_PASSWORD: alice.password,
    TALK_USER2: bob.user,
    TALK_PASSWORD2: bob.password,
    TALK_ADMIN_USER: admin.user,
    TALK_ADMIN_PASSWORD: admin.password,
    TALK_BROWSERS: 'chromium',
    TALK_REPORT_DIR: reportDir,
  };
}

/** Lines of every ledger in the folder that record a creation. */
function createdInLedgers(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.includes('"op":"created"')).length;
}

/**
 * Starts a certification in its own process group, waits until it has created something on the
 * target, then sends `signal` to the group; returns how long the run took to exit after it.
 */
async function killMidRun(platform: ReferencePlatform, reportDir: string, signal: NodeJS.Signals): Promise<number> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('TALK_')) delete childEnv[k];
  Object.assign(childEnv, env(platform, reportDir), { TALK_CERTIFY_NO_DOTENV: '1' });
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'src', 'cli', 'certify.ts'), '--', '--grep', 'not cut by a proxy'], {
    cwd: ROOT,
    env: childEnv,
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await expect.poll(() => createdInLedgers(ledgerDir(reportDir)), { timeout: 60_000, message: 'the run created its conversation' }).toBeGreaterThan(0);
  const sent = Date.now();
  process.kill(-child.pid!, signal);
  await exited;
  return Date.now() - sent;
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`a run killed with ${signal} in the middle of a check leaves nothing on the target after the sweep`, async ({ platform }) => {
    const baseline = await onTarget(platform);
    const reportDir = mkdtempSync(path.join(os.tmpdir(), `tc-interrupt-${signal}-`));
    const exitedAfterMs = await killMidRun(platform, reportDir, signal);
    // Ctrl-C aborts the check's held poll (src/load/longpoll.ts) instead of waiting out its 30 s.
    expect(exitedAfterMs, 'the run exits well before its 30 s long poll would have ended').toBeLessThan(CHAT_POLL_TIMEOUT_S * 1000 - 10_000);
    const afterKill = await onTarget(platform);
    if (signal === 'SIGKILL') {
      // Nothing could run any teardown: the conversation is still there, and only the ledger knows it.
      expect(afterKill.rooms).toBeGreaterThan(baseline.rooms);
    }
    const sweep = await runCli(env(platform, reportDir), ['--sweep']);
    expect(sweep.exitCode, sweep.output).toBe(0);
    expect(sweep.output).toMatch(/Swept .*: \d+ deleted, \d+ already gone, 0 left/);
    const afterSweep = await onTarget(platform);
    expect(afterSweep, sweep.output).toMatchObject({ rooms: baseline.rooms, users: baseline.users });
    if (signal === 'SIGKILL') expect(sweep.output).toMatch(/swept conversation \w+ of run tc-/);
  });
}
