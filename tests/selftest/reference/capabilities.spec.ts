import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { anonymousCapabilities, userCapabilities } from '../../../src/reference/double/capabilities.ts';

/** Kept in the repository, so this never depends on files a cloner does not have. */
const SAMPLES = new URL('../../../docs/reference/nc32-samples/', import.meta.url);

/** The double's capabilities are those a real Nextcloud 32.0.1 sent (docs/reference/nc32-samples, captured on https://localhost/). */
const sample = (name: string) => (JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8')) as { ocs: { data: { capabilities: Record<string, unknown> } } }).ocs.data.capabilities;

test('capabilities of a logged-in user match the real Nextcloud 32.0.1 sample (Talk absent there)', () => {
  expect(userCapabilities('https://localhost/')).toEqual(sample('capabilities-alice.json'));
});

test('anonymous capabilities match the real sample', () => {
  expect(anonymousCapabilities('https://localhost/')).toEqual(sample('capabilities-anonymous.json'));
});
