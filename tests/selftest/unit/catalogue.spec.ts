import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHECKS } from '../../../src/verdict/catalogue.ts';

const CERT_DIR = path.resolve(import.meta.dirname, '..', '..', 'certification');

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? specFiles(path.join(dir, e.name)) : e.name.endsWith('.spec.ts') ? [path.join(dir, e.name)] : [],
  );
}

test('check ids are unique, start with their area, and every field an operator reads is filled in', () => {
  const ids = CHECKS.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const c of CHECKS) {
    expect(c.id.startsWith(`${c.area}.`), c.id).toBe(true);
    for (const field of ['title', 'requirement', 'criterion', 'remedy'] as const) expect(c[field].length, `${c.id}.${field}`).toBeGreaterThan(10);
  }
});

/** Issue 15 point 1, one step from a check id to its home: `turn.relay.tcp` → tests/certification/turn/relay-tcp.spec.ts. */
function specPathOf(id: string): string {
  const [area, ...rest] = id.split('.');
  return path.join(area!, `${rest.join('-')}.spec.ts`);
}

test('every catalogue check has exactly one spec, at tests/certification/<area>/<rest of the id, dots as dashes>.spec.ts, and no spec uses an unknown id', () => {
  expect(specPathOf('turn.relay.tcp')).toBe(path.join('turn', 'relay-tcp.spec.ts'));
  expect(specPathOf('load.chat.under-load')).toBe(path.join('load', 'chat-under-load.spec.ts'));
  const uses = new Map<string, string[]>();
  for (const file of specFiles(CERT_DIR)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bcheck\('([a-z0-9.-]+)'\)/g)) {
      uses.set(m[1]!, [...(uses.get(m[1]!) ?? []), path.relative(CERT_DIR, file)]);
    }
  }
  for (const c of CHECKS) {
    expect(uses.get(c.id), `spec for ${c.id}`).toHaveLength(1);
    expect(uses.get(c.id)![0]!.split(path.sep)[0], `${c.id} lives in its area folder`).toBe(c.area);
    expect(uses.get(c.id)![0], `${c.id} is found from its id`).toBe(specPathOf(c.id));
  }
  expect([...uses.keys()].filter((id) => !CHECKS.some((c) => c.id === id))).toEqual([]);
});
