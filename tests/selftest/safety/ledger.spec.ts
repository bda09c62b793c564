import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Ledger, closeLedger, pendingObjects } from '../../../src/ledger/index.ts';

const T = 'https://cloud.example.com/';

test('objects created and not deleted are pending once their run is dead; the current run and live runs are left alone', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-ledger-'));
  const current = new Ledger(dir, 'tc-current');
  current.created('conversation', 'abc12345', T, 'alice');
  // A run whose only writer is a process that has exited (a SIGKILLed runner).
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(dead.stdout.toString());
  const line = (op: string, kind: string, id: string) =>
    `${JSON.stringify({ op, kind, id, target: T, owner: kind === 'user' ? 'admin' : 'alice', runId: 'tc-dead', pid: deadPid, at: new Date().toISOString() })}\n`;
  const deadFile = path.join(dir, 'tc-dead.jsonl');
  appendFileSync(deadFile, line('created', 'conversation', 'room1111') + line('created', 'conversation', 'room2222') + line('deleted', 'conversation', 'room1111') + line('created', 'user', 'tc-dead-w0-bob'));
  // A line cut by a crash mid-write is ignored.
  appendFileSync(deadFile, '{"op":"created","kind":"conv');
  const pending = pendingObjects(dir, 'tc-current');
  expect(pending.map((p) => `${p.kind}:${p.id}`).sort()).toEqual(['conversation:room2222', 'user:tc-dead-w0-bob']);
  expect(pending.every((p) => p.runId === 'tc-dead' && p.target === T)).toBe(true);
  // This process wrote tc-current, so it is not "another live run"; excluding it by id is what keeps it.
  expect(pendingObjects(dir).some((p) => p.runId === 'tc-current')).toBe(true);
  closeLedger(deadFile);
  expect(existsSync(deadFile)).toBe(false);
  expect(readdirSync(dir).sort()).toEqual(['tc-current.jsonl', 'tc-dead.swept']);
});
