import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { chatLoadConditions } from '../../../src/load/diagnose.ts';
import { type ChatLoadResult, runChatLoad } from '../../../src/load/engine.ts';
import { probeStarvation } from '../../../src/load/longpoll.ts';
import { LoadResources } from '../../../src/load/provision.ts';
import { Ledger, pendingObjects } from '../../../src/ledger/index.ts';
import type { DoubleConfig } from '../../../src/reference/double/context.ts';
import { type DoubleServer, startDouble } from '../../../src/reference/double/server.ts';
import { Store } from '../../../src/reference/double/store.ts';
import { PROFILES, type Profile } from '../../../src/reference/profiles.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';

/**
 * Issue 17: the load checks measure Talk, not the suite, on a real PHP Nextcloud. Each case starts
 * the Talk double in this process (no nginx, no browser: seconds) with one of a real PHP server's
 * costs — password hashing per Basic login, a PHP-FPM pool whose long polls keep their worker
 * for the full timeout, a new user's first login locking its files, a creation answered after
 * the client gave up — and drives the load code against it with small numbers and short poll
 * timeouts. Runs in the `load` project, beside the load fault table's runs: its tests are
 * independent (each its own double on its own port) and light (hashing and pool waits are timers),
 * so they run in parallel too.
 */
test.describe.configure({ mode: 'parallel' });

const alice = { user: 'alice', password: 'alice-secret-17' };
const admin = { user: 'admin', password: 'admin-secret-17' };

async function withDouble(
  change: (p: Profile) => void,
  body: (d: DoubleServer, res: LoadResources, ledgerDir: string) => Promise<void>,
  options: { createTimeoutMs?: number } = {},
): Promise<void> {
  const profile = structuredClone(PROFILES.good);
  // A real Nextcloud's sessions: the cookie alone counts only after a login with cookie_test.
  profile.php.sessionNeedsCookieTest = true;
  change(profile);
  const store = new Store();
  store.addUser({ id: alice.user, password: alice.password, displayName: 'Alice', isAdmin: false });
  store.addUser({ id: admin.user, password: admin.password, displayName: 'Admin', isAdmin: true });
  const config: DoubleConfig = {
    profile,
    baseUrl: 'http://127.0.0.1/',
    origin: 'http://127.0.0.1',
    secure: false,
    instanceId: 'ocselftest17',
    turnHost: '127.0.0.1',
    talkTurnSecret: 'x'.repeat(64),
    controlToken: 'selftest-control-token-17',
    proxyAddresses: [],
  };
  const double = await startDouble({ host: '127.0.0.1', config, store });
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-ledger17-'));
  const runId = `t17${Date.now().toString(36)}`;
  const res = new LoadResources({ url: double.url, caFile: undefined, runId, user: alice, user2: undefined, admin }, 0, new Ledger(dir, runId), options);
  try {
    await body(double, res, dir);
  } finally {
    await res.cleanup().catch(() => []);
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures = (r: ChatLoadResult) => ({
  requestsPerS: Math.round((r.counters.requests / r.durationMs) * 10_000) / 10,
  p95DeliveryMs: r.delivery.percentilesMs['p95'] ?? null,
  delivered: `${r.deliveries.received}/${r.deliveries.expected}`,
  errorPercent: r.errorPercent,
  aborted: r.aborted,
});

test('password hashing: load clients log in once and then use their session, so the load figures exclude hashing', async () => {
  test.setTimeout(120_000);
  await withDouble(
    (p) => Object.assign(p.php, PROFILES['password-hashing'].php),
    async (double, res) => {
      const owner = res.owner();
      const token = await res.createRoom(owner, 'hashing');
      const p = await res.participants(owner, token, 6);
      const settings = { ratePerS: 2, durationS: 6, rampUpS: 1, signaling: false, maxErrorPercent: 100 };
      const last = await res.lastMessageId(owner, token);

      // Before issue 17: Basic with the login password on every request (same users, same room).
      const basic = p.clients.map((c) => new OcsClient(new HttpClient(double.url), c.credentials));
      const hashesBefore = double.store.passwordChecks;
      const old = await runChatLoad({ token, lastKnownMessageId: last, participants: basic, senders: basic.slice(0, 1), settings, tag: 'basic', drainMs: 5_000 });
      const basicHashes = double.store.passwordChecks - hashesBefore;
      await Promise.all(basic.map((c) => c.http.close()));

      const hashesSession = double.store.passwordChecks;
      const now = await runChatLoad({
        token,
        lastKnownMessageId: await res.lastMessageId(owner, token),
        participants: p.clients,
        senders: p.clients.slice(0, 1),
        settings,
        tag: 'session',
        drainMs: 5_000,
      });
      const sessionHashes = double.store.passwordChecks - hashesSession;
      console.log(
        JSON.stringify({
          profile: 'password-hashing (1 s per password login, 2 cores)',
          basicPerRequest: { ...figures(old), passwordHashes: basicHashes },
          sessionCookie: { ...figures(now), passwordHashes: sessionHashes },
        }),
      );

      expect(res.authMode).toBe('session-cookie');
      // Every client logged in at most once (owner and admin already had their session).
      expect(sessionHashes).toBeLessThanOrEqual(p.clients.length);
      expect(p.clients.every((c) => c.passwordLogins <= 1)).toBe(true);
      expect(now.aborted).toBeNull();
      expect(now.deliveries.received).toBe(now.deliveries.expected);
      expect(now.delivery.percentilesMs['p95']).toBeLessThanOrEqual(2_000);
      // The old way measured hashing: many more logins and a far worse p95 on the same server.
      expect(basicHashes).toBeGreaterThan(sessionHashes * 3);
      expect(old.delivery.count === 0 || (old.delivery.percentilesMs['p95'] ?? 0) > 2_000).toBe(true);
    },
  );
});

test('a new user: a 500 "is locked" during its first login is retried; cookie_test makes the session carry the next requests', async () => {
  test.setTimeout(60_000);
  await withDouble(
    (p) => {
      p.php.firstLoginLockMs = 800;
    },
    async (double, res) => {
      const bob = { user: 'bob', password: 'bob-secret-17' };
      double.store.addUser({ id: bob.user, password: bob.password, displayName: 'Bob', isAdmin: false });
      // Two sessions of the new user start at once (their first login copies the skeleton).
      const [a, b] = [res.client(bob), res.client(bob)];
      const both = await Promise.all([a.get('apps/spreed/api/v4/room'), b.get('apps/spreed/api/v4/room')]);
      expect(both.map((r) => r.status)).toEqual([200, 200]);
      const hashes = double.store.passwordChecks;
      for (let i = 0; i < 3; i++) await a.get('apps/spreed/api/v4/room');
      expect(double.store.passwordChecks, 'requests after the login carry only the session cookie').toBe(hashes);

      // What the double mirrors: a Basic login without cookie_test leaves no session token, so a
      // request with only the session cookie is not logged in (Session::logClientIn, validateSession).
      const raw = new HttpClient(double.url);
      const auth = { authorization: `Basic ${Buffer.from(`${alice.user}:${alice.password}`).toString('base64')}`, 'ocs-apirequest': 'true', accept: 'application/json' };
      expect((await raw.request('ocs/v2.php/cloud/user', { headers: auth })).status).toBe(200);
      expect((await raw.request('ocs/v2.php/cloud/user', { headers: { 'ocs-apirequest': 'true', accept: 'application/json' } })).status).toBe(401);
      await raw.close();
    },
  );
});

test('no-starvation waits out its polls: on a pool whose polls keep their worker, the next request is not starved', async () => {
  test.setTimeout(90_000);
  await withDouble(
    (p) => {
      p.php.maxChildren = 4;
      p.php.holdAbandonedPolls = true;
    },
    async (double, res) => {
      const owner = res.owner();
      const token = await res.createRoom(owner, 'starvation');
      const pollers = Array.from({ length: 4 }, () => res.client(alice));
      const http = new HttpClient(double.url, { cookies: false });
      const r = await probeStarvation({ http, sender: owner, pollers, token, deliveryBoundMs: 1_000, tag: 'drain', pollTimeoutS: 15 });
      // The pool is starved (4 polls, 4 workers): the check itself must fail …
      expect(r.held.send.error).not.toBeNull();
      // … but it must leave the pool free for the next check (status.php right after it).
      const t = Date.now();
      const next = await http.request('status.php', { timeoutMs: 2_000 }).then(
        (x) => x.status,
        (e: unknown) => String(e),
      );
      console.log(JSON.stringify({ drain: r.drain, loginsMs: r.loginsMs, nextRequest: next, nextMs: Date.now() - t }));
      expect(next).toBe(200);
      // Its polls ended by themselves; none was abandoned.
      expect(r.drain.stillOpen).toBe(0);
      await http.close();
    },
  );
});

test('under-load on a pool of 4 polls: join timeouts are counted, the run goes on, the diagnosis names the ceiling', async () => {
  test.setTimeout(120_000);
  await withDouble(
    (p) => {
      p.php.maxChildren = 4;
      p.php.holdAbandonedPolls = true;
    },
    async (double, res) => {
      const owner = res.owner();
      const token = await res.createRoom(owner, 'ceiling');
      const p = await res.participants(owner, token, 6);
      const last = await res.lastMessageId(owner, token);
      const settings = { ratePerS: 1, durationS: 2, rampUpS: 0.5, signaling: false, maxErrorPercent: 1 };
      const r = await runChatLoad({
        token,
        lastKnownMessageId: last,
        participants: p.clients,
        senders: p.clients.slice(0, 1),
        settings,
        tag: 'ceiling',
        joinTimeoutMs: 1_500,
        pollTimeoutS: 8,
        drainMs: 3_000,
      });
      const diag = chatLoadConditions(r, { p95DeliveryMs: 2_000, maxErrorPercent: 1 })
        .filter(([ok]) => !ok)
        .map(([, why]) => why);
      console.log(JSON.stringify({ joins: r.joins, pollCeiling: r.pollCeiling, ...figures(r), diagnosis: diag }));
      expect(r.aborted).toBeNull();
      expect(r.joins).toMatchObject({ joined: 4, failed: 2 });
      expect(r.pollCeiling).toBe(4);
      expect(diag.join(' | ')).toContain('the server holds at most 4 concurrent long polls');
      expect(diag.join(' | ')).not.toMatch(/p95 0 ms/);
      // Deliveries are expected only by the participants that joined.
      expect(r.deliveries.expected).toBe(r.sent.acknowledged * 4);
    },
  );
});

test('ledger: a user and a conversation whose creation timed out client-side but succeeded are found by name and swept', async () => {
  test.setTimeout(60_000);
  await withDouble(
    (p) => {
      p.creationResponseDelayMs = 1_500;
    },
    async (double, res, dir) => {
      const owner = res.owner();
      await expect(res.createRoom(owner, 'late room')).rejects.toThrow(/no answer within 500 ms|aborted/);
      await expect(res.participants(owner, 'nosuchtoken', 1)).rejects.toThrow(/no answer within 500 ms|aborted/);
      // The server created both anyway.
      await new Promise((r) => setTimeout(r, 1_700));
      expect([...double.store.rooms.values()].some((r) => r.name.endsWith('late room'))).toBe(true);
      expect([...double.store.users.keys()].some((u) => u.startsWith('tc-'))).toBe(true);
      const problems = await res.cleanup();
      expect(problems).toEqual([]);
      expect([...double.store.rooms.values()].some((r) => r.name.endsWith('late room'))).toBe(false);
      expect([...double.store.users.keys()].some((u) => u.startsWith('tc-'))).toBe(false);
      // Nothing left for a later sweep.
      expect(pendingObjects(dir)).toEqual([]);
    },
    { createTimeoutMs: 500 },
  );
});
