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
  appendFileSync(
    deadFile,
    line('created', 'conversation', 'room1111') +
      line('created', 'conversation', 'room2222') +
      line('deleted', 'conversation', 'room1111') +
      line('created', 'user', 'tc-dead-w0-bob'),
  );
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

test('an intent without `created` (a run killed mid-request) is pending by its exact name; a fulfilled or swept intent is not', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-ledger-'));
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const pid = Number(dead.stdout.toString());
  const e = (o: Record<string, unknown>) => `${JSON.stringify({ target: T, owner: 'alice', runId: 'tc-killed', pid, at: new Date().toISOString(), ...o })}\n`;
  appendFileSync(
    path.join(dir, 'tc-killed.jsonl'),
    e({ op: 'intent', kind: 'conversation', id: 'tc-killed-w0-a' }) +
      e({ op: 'created', kind: 'conversation', id: 'tokena11', intent: 'tc-killed-w0-a' }) +
      e({ op: 'intent', kind: 'conversation', id: 'tc-killed-w0-b' }) +
      e({ op: 'intent', kind: 'user', id: 'tc-killed-w0-7', owner: 'admin' }) +
      e({ op: 'intent', kind: 'conversation', id: 'tc-killed-w0-c' }) +
      e({ op: 'deleted', kind: 'conversation', id: 'tc-killed-w0-c' }),
  );
  const pending = pendingObjects(dir)
    .map((p) => `${p.kind}:${p.id}:${p.byName ? 'by-name' : 'by-id'}`)
    .sort();
  expect(pending).toEqual(['conversation:tc-killed-w0-b:by-name', 'conversation:tokena11:by-id', 'user:tc-killed-w0-7:by-id']);
});
