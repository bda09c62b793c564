import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { runChatLoad } from '../../../src/load/engine.ts';
import { LoadResources } from '../../../src/load/provision.ts';
import type { DoubleConfig } from '../../../src/reference/double/context.ts';
import { type DoubleServer, startDouble } from '../../../src/reference/double/server.ts';
import { Store } from '../../../src/reference/double/store.ts';
import { PROFILES } from '../../../src/reference/profiles.ts';
import { TalkError } from '../../../src/talk/errors.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';
import { runCertify } from '../certification/run-certify.ts';

/**
 * A good guest stops when Nextcloud throttles it. Past its maximum brute-force delay Nextcloud
 * answers 429 (OC\Security\Bruteforce\Throttler, OCS statuscode 429, header
 * X-Nextcloud-Bruteforce-Throttled); the load engine must stop at once instead of hammering
 * on, and say why and what to do. The server here answers every Talk request that way.
 */

let server: http.Server;
let url: string;
const seen: string[] = [];

test.beforeAll(async () => {
  server = http.createServer((q, r) => {
    seen.push(`${q.method} ${q.url}`);
    r.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'x-nextcloud-bruteforce-throttled': '25600ms' });
    r.end('{"ocs":{"meta":{"status":"failure","statuscode":429,"message":"Reached maximum delay"},"data":[]}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
test.afterAll(() => server?.close());

test('the chat load engine stops at the first 429 and reports throttling with the remedy', async () => {
  const participants = Array.from({ length: 5 }, () => new OcsClient(new HttpClient(url), { user: 'alice', password: 'x' }));
  try {
    const result = await runChatLoad({
      token: 'abcdefgh',
      lastKnownMessageId: 0,
      participants,
      senders: participants.slice(0, 1),
      settings: { ratePerS: 5, durationS: 20, rampUpS: 2, signaling: false, maxErrorPercent: 50 },
      tag: 'tc-selftest-throttle',
    });
    expect(result.aborted).toMatch(/Nextcloud throttled the load \(HTTP 429.*stopped at once.*occ security:bruteforce:reset <ip>.*Brute-force IP allowlist/);
    expect(result.counters.throttled).toBe(1);
    // The first participant's join was answered 429; the others (spread over the 2 s ramp-up) and
    // every sender never sent a request.
    expect(
      seen.filter((s) => s.includes('/apps/spreed/')),
      seen.join('\n'),
    ).toHaveLength(1);
    expect(result.sent.attempted).toBe(0);
  } finally {
    await Promise.all(participants.map((p) => p.http.close()));
  }
});

/**
 * Issue 12 point 9. The double counts talkRoomToken attempts the way Nextcloud does
 * (src/reference/double/bruteforce.ts cites Throttler.php and spreed), publishes the delay as
 * `capabilities.bruteforce.delay`, and refuses with 429 past the maximum; the load resources stop
 * every request in flight before cleanup deletes the conversation, so an interrupted load run
 * leaves no attempts behind.
 */
test.describe('brute-force protection and the load checks', () => {
  let double: DoubleServer;
  let store: Store;
  const alice = { user: 'alice', password: 'alice-secret-1' };
  const admin = { user: 'admin', password: 'admin-secret-1' };

  test.beforeEach(async () => {
    store = new Store();
    store.addUser({ id: alice.user, password: alice.password, displayName: 'Alice', isAdmin: false });
    store.addUser({ id: admin.user, password: admin.password, displayName: 'admin', isAdmin: true });
    const config: DoubleConfig = {
      profile: PROFILES.good,
      baseUrl: 'http://127.0.0.1/',
      origin: 'http://127.0.0.1',
      secure: false,
      instanceId: 'ocselftest01',
      turnHost: '127.0.0.1',
      talkTurnSecret: 'x'.repeat(64),
      controlToken: 'selftest-control-token',
      proxyAddresses: [],
    };
    double = await startDouble({ host: '127.0.0.1', config, store });
  });
  test.afterEach(async () => double?.close());

  const delayOf = async (): Promise<number> => {
    const http = new HttpClient(double.url, { cookies: false });
    try {
      const r = await new OcsClient(http).get<{ capabilities: { bruteforce: { delay: number } } }>('cloud/capabilities');
      return r.data.capabilities.bruteforce.delay;
    } finally {
      await http.close();
    }
  };

  test("an unknown conversation token is a talkRoomToken attempt: the delay follows Nextcloud's Throttler, and past 10 attempts Talk answers 429", async () => {
    const http = new HttpClient(double.url);
    const ocs = new OcsClient(http, alice);
    try {
      expect(await delayOf()).toBe(0);
      const r = await ocs.get('apps/spreed/api/v4/room/unknowntoken1', { expect: [404] });
      expect(r.status).toBe(404);
      // Throttler::getDelay: 0.1 s × 2^attempts.
      expect(await delayOf()).toBe(200);
      for (let i = 0; i < 10; i++) store.bruteforce.registerAttempt('talkRoomToken', '127.0.0.1');
      expect(await delayOf()).toBe(25_000);
      const err = await ocs.get('apps/spreed/api/v4/room/unknowntoken1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TalkError);
      expect((err as TalkError).code).toBe('THROTTLED');
      expect((err as TalkError).details).toMatchObject({ status: 429, ocs: true, bruteforceThrottled: '25000ms' });
      expect((err as TalkError).message).toMatch(/occ security:bruteforce:reset <ip>/);
    } finally {
      await http.close();
    }
  });

  test('a load run cut short while its conversation is deleted leaves no brute-force attempt: requests in flight are stopped first', async () => {
    const res = new LoadResources({ url: double.url, caFile: undefined, runId: 'tc-selftest-bf', user: alice, user2: undefined, admin }, 0);
    const owner = res.owner();
    const token = await res.createRoom(owner, 'interrupted load');
    const p = await res.participants(owner, token, 6);
    // Like a check whose test timed out: the load is still running when the fixture cleans up.
    const load = runChatLoad({
      token,
      lastKnownMessageId: await res.lastMessageId(owner, token),
      participants: p.clients,
      senders: p.clients.slice(0, 1),
      settings: { ratePerS: 2, durationS: 4, rampUpS: 1, signaling: true, maxErrorPercent: 100 },
      tag: 'tc-selftest-bf',
      drainMs: 500,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(store.longPolls, 'participants are long-polling when cleanup starts').toBeGreaterThan(0);
    expect(await res.cleanup()).toEqual([]);
    await load;
    expect(store.rooms.size).toBe(0);
    expect(store.bruteforce.total(), 'talkRoomToken attempts recorded').toBe(0);
    expect(await delayOf()).toBe(0);
  });
});

test('a client Nextcloud already throttles (bruteforce.delay > 0 before the run): every load check is not-run with the reset command, never a FAIL', async () => {
  // Starts a reference platform: run it under the shared lock (see /work/helper-common.md).
  test.setTimeout(240_000);
  const run = await runCertify(
    { TALK_PROFILE: 'client-throttled', TALK_BROWSERS: 'chromium', TALK_LOAD_PARTICIPANTS: '5', TALK_LOAD_DURATION_S: '5', TALK_LOAD_RAMP_UP_S: '1', TALK_LOAD_POLLS_HELD: '2' },
    ['--', '--grep', '@load'],
  );
  const load = run.report.checks.filter((ch) => ch.id.startsWith('load.'));
  expect(load.map((ch) => ch.id).sort(), run.output).toEqual(['load.chat.under-load', 'load.longpoll.no-starvation', 'load.longpoll.not-cut']);
  for (const ch of load) {
    expect(ch.verdict, `${ch.id}: ${ch.diagnosis ?? ch.reason}`).toBe('not-run');
    expect(ch.reason, ch.id).toMatch(/already delayed this client by 25000 ms before the run \(capabilities bruteforce\.delay\).*not at fault.*occ security:bruteforce:reset <ip>/);
    expect(ch.evidence['bruteforceBefore'], ch.id).toEqual({ delayMs: 25_000, allowListed: false });
  }
  expect(run.report.summary.mustFailed).toEqual([]);
});
