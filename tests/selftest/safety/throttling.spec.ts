import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { runChatLoad } from '../../../src/load/engine.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';

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
    expect(seen.filter((s) => s.includes('/apps/spreed/')), seen.join('\n')).toHaveLength(1);
    expect(result.sent.attempted).toBe(0);
  } finally {
    await Promise.all(participants.map((p) => p.http.close()));
  }
});
