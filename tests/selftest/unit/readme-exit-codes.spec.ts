import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { EXIT_CERTIFIED, EXIT_CODES_HELP, EXIT_CODE_OF_STATUS, EXIT_INCOMPLETE, EXIT_NOT_CERTIFIED, EXIT_UNUSABLE_INPUT } from '../../../src/verdict/outcome.ts';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8');

/** The rows of the README's exit-code table: `| **<code>** | <outcome> | <when> |`. */
function readmeExitRows(): { code: number; outcome: string; when: string }[] {
  return [...README.matchAll(/^\| \*\*(\d)\*\* \| ([^|]+) \| (.+) \|$/gm)].map((m) => ({ code: Number(m[1]), outcome: m[2]!.trim(), when: m[3]! }));
}

test("the README's exit-code table lists exactly the codes src/verdict/outcome.ts defines, with the same outcomes", () => {
  const rows = readmeExitRows();
  expect(rows.map((r) => [r.code, r.outcome])).toEqual([
    [EXIT_CERTIFIED, 'CERTIFIED'],
    [EXIT_NOT_CERTIFIED, 'NOT CERTIFIED'],
    [EXIT_UNUSABLE_INPUT, 'unusable input'],
    [EXIT_INCOMPLETE, 'INCOMPLETE'],
  ]);
  expect(EXIT_CODE_OF_STATUS).toEqual({ certified: rows[0]!.code, 'not-certified': rows[1]!.code, incomplete: rows[3]!.code });
  // --help prints the same codes and outcomes, in the same order.
  expect(EXIT_CODES_HELP).toHaveLength(rows.length);
  rows.forEach((r, i) => expect(EXIT_CODES_HELP[i]!.startsWith(`${r.code} ${r.outcome}:`), EXIT_CODES_HELP[i]).toBe(true));
});

test('the README says which not-run class blocks: environment limits do not (CERTIFIED, exit 0), incomplete ones give exit 3', () => {
  const rows = readmeExitRows();
  expect(rows.find((r) => r.code === EXIT_CERTIFIED)!.when).toContain('class `environment`');
  expect(rows.find((r) => r.code === EXIT_INCOMPLETE)!.when).toContain('class `incomplete`');
  const classes = [...README.matchAll(/^\| `(environment|incomplete)` \| .* \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  expect(classes.map(([c]) => c)).toEqual(['environment', 'incomplete']);
  expect(classes[0]![1]).toContain('CERTIFIED (exit 0)');
  expect(classes[1]![1]).toContain('INCOMPLETE (exit 3)');
});
