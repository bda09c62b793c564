import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { runChatLoad } from '../../../src/load/engine.ts';
import { LoadResources } from '../../../src/load/provision.ts';
import { HttpClient } from '../../../src/talk/http.ts';
import { OcsClient } from '../../../src/talk/ocs.ts';

/**
 * Cleanup never races in-flight requests (issue 14): a load run stopped while participants are
 * joining must not let a join reach Talk after the conversation is deleted. Talk counts a request
 * for an unknown token as a brute-force attempt (spreed's `#[BruteForceProtection(action:
 * 'talkRoomToken')]` on RoomController::joinRoom, docs/reference/talk-reference.md), throttling
 * the next run.
 *
 * The server here is a tiny local one that behaves like PHP-FPM behind a web server in the one way
 * that matters: a request is handled some time after it arrived (queued for a worker), and the
 * conversation is looked up only then. A client that aborts a join it already sent does not take
 * it back: the server still handles it, later. So joins already sent must be awaited (not aborted)
 * and joins not yet sent must never be sent, before anyone deletes the conversation.
 */

const TOKEN = 'cleanuptok';
/** How long a join waits for its "PHP worker" before the conversation is looked up. */
const JOIN_QUEUED_MS = 400;

interface Recorder {
  url: string;
  server: Server;
  deletedAt: number | null;
  /** Joins (and any request) by the time they arrived / were handled. */
  joinsArrived: number;
  joinsHandled: number;
  /** Joins whose conversation was already gone when they were handled: Talk's talkRoomToken attempts. */
  joinsForDeletedRoom: number;
  /** Any request of the run (not the delete itself) that arrived after the delete. */
  arrivedAfterDelete: string[];
}

function ocs(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ ocs: { meta: { status: status < 300 ? 'ok' : 'failure', statuscode: status, message: null }, data } }));
}

async function startServer(): Promise<Recorder> {
  const rec = { deletedAt: null, joinsArrived: 0, joinsHandled: 0, joinsForDeletedRoom: 0, arrivedAfterDelete: [] as string[] } as Omit<Recorder, 'url' | 'server'> as Recorder;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname.replace('/ocs/v2.php/', '');
    const isDelete = req.method === 'DELETE' && p === `apps/spreed/api/v4/room/${TOKEN}`;
    if (rec.deletedAt !== null && !isDelete) rec.arrivedAfterDelete.push(`${req.method} ${p}`);
    if (p === 'cloud/user') return ocs(res, 200, { id: 'alice' }, { 'set-cookie': 'nc_session=s1; Path=/' });
    if (req.method === 'POST' && p === 'apps/spreed/api/v4/room') return ocs(res, 201, { token: TOKEN });
    if (isDelete) {
      rec.deletedAt = Date.now();
      return ocs(res, 200, []);
    }
    if (req.method === 'POST' && p === `apps/spreed/api/v4/room/${TOKEN}/participants/active`) {
      rec.joinsArrived++;
      // Queued for a worker; the conversation is looked up when the worker takes it, whether or
      // not the client is still there (PHP notices a gone client only when it writes).
      setTimeout(() => {
        rec.joinsHandled++;
        if (rec.deletedAt !== null) {
          rec.joinsForDeletedRoom++;
          if (!res.destroyed) ocs(res, 404, []);
          return;
        }
        if (!res.destroyed) ocs(res, 200, { token: TOKEN });
      }, JOIN_QUEUED_MS);
      return;
    }
    if (req.method === 'GET' && p === `apps/spreed/api/v1/chat/${TOKEN}`) {
      // A quiet conversation: held for the poll's timeout, then 304.
      const t = setTimeout(
        () => {
          if (!res.destroyed) {
            res.writeHead(304);
            res.end();
          }
        },
        Number(url.searchParams.get('timeout') ?? 1) * 1000,
      );
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (req.method === 'POST' && p === `apps/spreed/api/v1/chat/${TOKEN}`) return ocs(res, 201, { id: 1 });
    ocs(res, 404, []);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rec.server = server;
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return rec;
}

const settings = { ratePerS: 1, durationS: 5, rampUpS: 2, signaling: false, maxErrorPercent: 100 };
const N = 20;
/** With a ramp of 2 s over 20 participants one join starts every 100 ms: at 450 ms about five are in flight, fifteen not yet sent. */
const STOP_AFTER_MS = 450;

let rec: Recorder;
test.beforeEach(async () => {
  rec = await startServer();
});
test.afterEach(async () => {
  rec.server.closeAllConnections();
  await new Promise((r) => rec.server.close(r));
});

function expectNoRace(): void {
  expect(rec.joinsArrived, 'some joins were in flight when the run stopped (else the test proves nothing)').toBeGreaterThan(0);
  expect(rec.joinsArrived, 'some joins were not yet sent when the run stopped (else the test proves nothing)').toBeLessThan(N);
  expect(rec.deletedAt, 'the conversation was deleted').not.toBeNull();
  expect({ joinsForDeletedRoom: rec.joinsForDeletedRoom, arrivedAfterDelete: rec.arrivedAfterDelete, unhandledJoins: rec.joinsArrived - rec.joinsHandled }).toEqual({
    joinsForDeletedRoom: 0,
    arrivedAfterDelete: [],
    unhandledJoins: 0,
  });
}

test('a run stopped during ramp-up awaits the joins already sent and never sends the others: the conversation is deleted after every join was handled', async () => {
  const clients = Array.from({ length: N }, () => new OcsClient(new HttpClient(rec.url), { user: 'alice', password: 'pw' }));
  const stop = new AbortController();
  setTimeout(() => stop.abort(), STOP_AFTER_MS);
  const result = await runChatLoad({
    token: TOKEN,
    lastKnownMessageId: 0,
    participants: clients,
    senders: clients.slice(0, 1),
    settings,
    tag: 'cleanup',
    signal: stop.signal,
    pollTimeoutS: 1,
  });
  expect(result.aborted).toMatch(/interrupted/);
  // What the fixture does next: delete the conversation.
  await new OcsClient(new HttpClient(rec.url), { user: 'alice', password: 'pw' }).delete(`apps/spreed/api/v4/room/${TOKEN}`);
  // Let any join still queued on the server be handled.
  await new Promise((r) => setTimeout(r, JOIN_QUEUED_MS + 200));
  expectNoRace();
  await Promise.all(clients.map((c) => c.http.close()));
});

test("the fixture's cleanup while a run is still joining (a check that timed out): joins in flight are awaited, no new one is sent, then the conversation is deleted", async () => {
  const res = new LoadResources({ url: rec.url, caFile: undefined, runId: 'tc-selftest-cleanup', user: { user: 'alice', password: 'pw' }, user2: undefined, admin: undefined }, 0);
  const owner = res.owner();
  const token = await res.createRoom(owner, 'cleanup race');
  expect(token).toBe(TOKEN);
  const p = await res.participants(owner, token, N);
  const load = runChatLoad({ token, lastKnownMessageId: 0, participants: p.clients, senders: p.clients.slice(0, 1), settings, tag: 'cleanup', pollTimeoutS: 1, drainMs: 500 });
  await new Promise((r) => setTimeout(r, STOP_AFTER_MS));
  expect(await res.cleanup()).toEqual([]);
  await new Promise((r) => setTimeout(r, JOIN_QUEUED_MS + 200));
  expectNoRace();
  // The run itself ends (its requests are refused once cleanup started).
  const result = await Promise.race([load, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
  expect(result, 'the run ended after cleanup').not.toBeNull();
});
