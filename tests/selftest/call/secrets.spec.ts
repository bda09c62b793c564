import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startReferencePlatform } from '../../../src/reference/index.ts';
import { CALL_SECRET_MARKER } from '../faults/call.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, WORK_DIR } from '../reference/helpers.ts';

/**
 * The call checks type passwords into the login page and hold session cookies, Talk session ids
 * and TURN credentials in the browser. None of it may reach an output file: the call fault table
 * runs its signaling-broken row with TALK_CERTIFY_SECRET_MARKER and searches everything that
 * failing call run wrote (tests/selftest/faults/call.ts, NO_SECRET_LEAK). This shows that scan is
 * not vacuous: with the marker set, the reference platform's session cookies carry it.
 */
test.describe('call checks leak no secret', () => {
  test.skip(NOT_ROOT, NOT_ROOT_REASON);

  test('the session cookies of the reference platform carry the marker (so the scan is not vacuous)', async ({}, testInfo) => {
    process.env.TALK_CERTIFY_SECRET_MARKER = CALL_SECRET_MARKER;
    try {
      const platform = await startReferencePlatform({ profile: 'good', runId: 'tc-selftest-callmark', workDir: path.join(WORK_DIR, testInfo.testId) });
      const client = new Client(platform.url, platform.caFile);
      try {
        const login = await client.req('GET', 'login');
        expect(login.status).toBe(200);
        const session = [...client.cookies].filter(([k]) => /^oc/.test(k));
        expect(session.length, 'session cookie and passphrase').toBeGreaterThanOrEqual(2);
        for (const [k, v] of session) expect(v.startsWith(CALL_SECRET_MARKER), `${k}`).toBe(true);
      } finally {
        await client.close();
        await platform.stop();
      }
    } finally {
      delete process.env.TALK_CERTIFY_SECRET_MARKER;
    }
  });
});
