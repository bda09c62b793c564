import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { request } from 'undici';
import { stunBindingRequest } from '../../../src/turn/reach.ts';
import { tcpReach, udpStunAnswers } from '../../../src/turn/reach.ts';
import { expect, resetPlatform, test } from '../support/platform.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, execFileP, referenceState } from './helpers.ts';

/**
 * The good profile over real nginx, coturn and the double, from outside the namespace, the way
 * the suite reaches any Nextcloud: everything Talk requires must hold, and the API must behave
 * like Nextcloud 32 + Talk 22 where the suite relies on it. Each test gets the worker's platform
 * reset to its start state (tests/selftest/support/platform.ts): no test depends on another.
 */
test.skip(NOT_ROOT, NOT_ROOT_REASON);

test.describe('web server', () => {
  test('serves HTTPS with a certificate of the instance CA for the web and TURN addresses', async ({ platform, anon }) => {
    expect(platform.url).toBe(`https://${platform.host}/`);
    expect(platform.host).toMatch(/^10\.213\.\d+\.2$/);
    const res = await anon.req('GET', 'status.php');
    expect(res.status).toBe(200);
    const { stdout } = await execFileP('openssl', ['x509', '-in', platform.caFile, '-noout', '-subject']);
    expect(stdout).toMatch(/talk-certify reference CA tc-selftest-w\d+/);
    // An untrusted client must fail: the CA is really what makes it valid.
    await expect(request(`${platform.url}status.php`)).rejects.toThrow(/certificate|self.signed|issuer/i);
  });

  test('plain http:// answers 301 to https:// on the same host', async ({ platform }) => {
    const res = await new Client(`http://${platform.host}/`, null).req('GET', 'apps/spreed/?x=1');
    expect(res.status).toBe(301);
    expect(res.header('location')).toBe(`https://${platform.host}/apps/spreed/?x=1`);
  });

  test('HTTPS responses carry HSTS for 180+ days and the admin manual security headers', async ({ anon }) => {
    const res = await anon.req('GET', 'status.php');
    expect(res.header('strict-transport-security')).toBe('max-age=15768000; includeSubDomains');
    expect(res.header('x-content-type-options')).toBe('nosniff');
    expect(res.header('referrer-policy')).toBe('no-referrer');
  });

  test('status.php is Nextcloud 32.0.1 as the sample: JSON without charset, CORS open', async ({ anon }) => {
    const res = await anon.req('GET', 'status.php');
    expect(res.header('content-type')).toBe('application/json');
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(res.text).toBe(
      '{"installed":true,"maintenance":false,"needsDbUpgrade":false,"version":"32.0.1.2","versionstring":"32.0.1","edition":"","productname":"Nextcloud","extendedSupport":false}',
    );
  });

  test("Talk's blur files: .wasm as application/wasm with a valid module, .tflite 200 with TFL3", async ({ anon }) => {
    for (const f of ['tflite.wasm', 'tflite-simd.wasm']) {
      const res = await anon.req('GET', `apps/spreed/js/${f}?v=abc`);
      expect(res.status, f).toBe(200);
      expect(res.header('content-type'), f).toBe('application/wasm');
      expect(res.header('cache-control')).toBe('public, max-age=15778463, immutable');
      expect(res.body.subarray(0, 4).toString('latin1')).toBe('\0asm');
      expect(WebAssembly.validate(new Uint8Array(res.body)), f).toBe(true);
    }
    const model = await anon.req('GET', 'apps/spreed/js/selfie_segmentation_landscape.tflite');
    expect(model.status).toBe(200);
    expect(model.body.subarray(4, 8).toString('latin1')).toBe('TFL3');
  });

  test('a missing asset under /apps/ falls through to Nextcloud: 401 JSON like the sample', async ({ anon }) => {
    const res = await anon.req('GET', 'apps/spreed/js/missing.wasm');
    expect(res.status).toBe(401);
    expect(res.header('content-type')).toBe('application/json; charset=utf-8');
    expect(res.text).toBe('{"message":"Current user is not logged in"}');
  });
});

test.describe('OCS', () => {
  test('capabilities: public, with spreed (version, features, config) for users and anonymous callers', async ({ alice, anon }) => {
    const a = await anon.ocs('GET', 'cloud/capabilities');
    expect(a.status).toBe(200);
    expect(a.header('content-type')).toBe('application/json; charset=utf-8');
    expect(a.header('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect(a.header('x-request-id')).toMatch(/^[A-Za-z0-9]{20}$/);
    const caps = a.json().ocs.data;
    expect(caps.version).toEqual({ major: 32, minor: 0, micro: 1, string: '32.0.1', edition: '', extendedSupport: false });
    expect(Object.keys(caps.capabilities)).toEqual(['bruteforce', 'app_api', 'theming', 'spreed']);
    const u = (await alice.ocs('GET', 'cloud/capabilities')).json().ocs.data.capabilities;
    expect(u.core.pollinterval).toBe(60);
    expect(u.spreed.version).toBe('22.0.2');
    expect(u.spreed.features).toEqual(expect.arrayContaining(['conversation-v4', 'signaling-v3', 'chat-read-last']));
    expect(u.spreed.config.call.enabled).toBe(true);
    expect(u.spreed.config.call['blur-virtual-background']).toBe(false);
    expect(u.spreed.config.chat['max-length']).toBe(32000);
    expect(u.spreed.config.signaling['session-ping-limit']).toBe(200);
  });

  test('cloud/user: 401 OCS 997 without credentials, the user with them', async ({ alice, anon }) => {
    const no = await anon.ocs('GET', 'cloud/user');
    expect(no.status).toBe(401);
    expect(no.text).toBe('{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"},"data":[]}}');
    expect(no.header('www-authenticate')).toBeUndefined();
    const me = await alice.ocs('GET', 'cloud/user');
    expect(me.status).toBe(200);
    expect(me.header('x-user-id')).toBe('alice');
    expect(me.json().ocs.data).toMatchObject({ id: 'alice', displayname: 'Alice', 'display-name': 'Alice' });
  });

  test('XML without Accept: application/json or format=json', async ({ anon }) => {
    const res = await anon.req('GET', 'ocs/v2.php/cloud/user', { headers: { 'ocs-apirequest': 'true' } });
    expect(res.status).toBe(401);
    expect(res.header('content-type')).toBe('application/xml; charset=utf-8');
    expect(res.text).toContain('<statuscode>997</statuscode>');
  });

  test('authenticated OCS without OCS-APIRequest and without requesttoken: 412 CSRF check failed', async ({ alice }) => {
    const res = await alice.req('GET', 'ocs/v2.php/cloud/user?format=json');
    expect(res.status).toBe(412);
    expect(res.text).toBe('{"message":"CSRF check failed"}');
  });

  test('a wrong password: 401 OCS 997 "Unauthorised" with WWW-Authenticate', async ({ platform, alice }) => {
    const wrong = new Client(platform.url, platform.caFile, { ...platform.users.alice, password: 'not-the-password' });
    const res = await wrong.ocs('GET', 'cloud/user');
    await wrong.close();
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Unauthorised"},"data":[]}}');
    expect(res.header('www-authenticate')).toBe('Basic realm="Authorisation Required"');
  });

  test('an unknown OCS route: 404 OCS 998 with the exact sample message', async ({ alice }) => {
    const res = await alice.ocs('GET', 'apps/nope/api/v1/x');
    expect(res.status).toBe(404);
    expect(res.text).toBe(
      '{"ocs":{"meta":{"status":"failure","statuscode":998,"message":"Invalid query, please check the syntax. API specifications are here: http:\\/\\/www.freedesktop.org\\/wiki\\/Specifications\\/open-collaboration-services.\\n"},"data":[]}}',
    );
  });

  test('serverinfo: admins get the database type, others 401 Unauthorized as in the sample', async ({ platform, alice }) => {
    const admin = Client.for(platform, platform.users.admin);
    const ok = await admin.ocs('GET', 'apps/serverinfo/api/v1/info');
    await admin.close();
    expect(ok.status).toBe(200);
    expect(ok.json().ocs.data.server.database).toMatchObject({ type: 'mysql', version: '10.11.19' });
    const no = await alice.ocs('GET', 'apps/serverinfo/api/v1/info');
    expect(no.status).toBe(401);
    expect(no.text).toBe('{"ocs":{"meta":{"status":"failure","statuscode":401,"message":""},"data":{"message":"Unauthorized"}}}');
  });

  test('provisioning API: an admin creates a user who can log in, and deletes it', async ({ platform, alice }) => {
    const admin = Client.for(platform, platform.users.admin);
    try {
      expect((await alice.ocs('POST', 'cloud/users', { form: { userid: 'x', password: 'y' } })).status).toBe(403);
      const created = await admin.ocs('POST', 'cloud/users', { form: { userid: 'tc-selftest-carol', password: 'a long password 123', displayName: 'Carol' } });
      expect(created.json().ocs.data).toEqual({ id: 'tc-selftest-carol' });
      expect((await admin.ocs('POST', 'cloud/users', { form: { userid: 'tc-selftest-carol', password: 'x' } })).json().ocs.meta.statuscode).toBe(102);
      const carol = new Client(platform.url, platform.caFile, { user: 'tc-selftest-carol', password: 'a long password 123', displayName: 'Carol', isAdmin: false });
      expect((await carol.ocs('GET', 'cloud/user')).json().ocs.data.displayname).toBe('Carol');
      await carol.close();
      expect((await referenceState(platform)).users).toBe(4);
      expect((await admin.ocs('DELETE', 'cloud/users/tc-selftest-carol')).status).toBe(200);
      expect((await referenceState(platform)).users).toBe(3);
    } finally {
      await admin.close();
    }
  });

  test('provisioning API: a disabled account is refused like a wrong password (401), on the login form with "This account is disabled"; each refusal counts one failed login', async ({
    platform,
    alice,
  }) => {
    const admin = Client.for(platform, platform.users.admin);
    const dave = new Client(platform.url, platform.caFile, { user: 'tc-selftest-dave', password: 'a long password 456', displayName: 'Dave', isAdmin: false });
    const browser = Client.for(platform);
    try {
      expect((await admin.ocs('POST', 'cloud/users', { form: { userid: 'tc-selftest-dave', password: 'a long password 456' } })).status).toBe(200);
      expect((await alice.ocs('PUT', 'cloud/users/tc-selftest-dave/disable')).status).toBe(403);
      expect((await admin.ocs('PUT', 'cloud/users/tc-selftest-dave/disable')).json().ocs).toEqual({ meta: { status: 'ok', statuscode: 200, message: 'OK' }, data: [] });
      expect((await admin.ocs('GET', 'cloud/users/tc-selftest-dave')).json().ocs.data.enabled).toBe(false);
      const before = (await referenceState(platform)).failedLogins!;
      const refused = await dave.ocs('GET', 'cloud/user');
      expect(refused.status).toBe(401);
      expect(refused.text).toBe('{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Unauthorised"},"data":[]}}');
      expect((await referenceState(platform)).failedLogins).toBe(before + 1);
      const page = await browser.req('GET', 'login');
      const token = /name="requesttoken" value="([^"]+)"/.exec(page.text)![1]!;
      const post = await browser.req('POST', 'login', { headers: { origin: 'null' }, form: { user: 'tc-selftest-dave', password: 'a long password 456', requesttoken: token } });
      expect(post.header('location')).toBe('/login?direct=1&user=tc-selftest-dave');
      expect((await browser.req('GET', 'login?direct=1&user=tc-selftest-dave')).text).toContain('This account is disabled');
      expect((await referenceState(platform)).failedLogins).toBe(before + 2);
      expect((await admin.ocs('PUT', 'cloud/users/tc-selftest-dave/enable')).status).toBe(200);
      expect((await dave.ocs('GET', 'cloud/user')).status).toBe(200);
    } finally {
      await admin.ocs('DELETE', 'cloud/users/tc-selftest-dave');
      await Promise.all([admin.close(), dave.close(), browser.close()]);
    }
  });
});

test.describe('web login', () => {
  test('the login form has the Nextcloud 32 names, and a login redirects with a session', async ({ platform }) => {
    const browser = Client.for(platform);
    try {
      const talk = await browser.req('GET', 'apps/spreed/');
      expect(talk.status).toBe(303);
      expect(talk.header('location')).toBe('/login?redirect_url=%2Fapps%2Fspreed%2F');
      const page = await browser.req('GET', 'login?redirect_url=%2Fapps%2Fspreed%2F');
      expect(page.status).toBe(200);
      for (const s of [
        'name="login"',
        'method="post"',
        'action="/login"',
        'id="user"',
        'name="user"',
        'id="password"',
        'name="password"',
        'Account name or email',
        '>Password<',
        'Log in to Nextcloud',
        'name="timezone"',
        'name="timezone_offset"',
        'aria-label="Show password"',
      ]) {
        expect(page.text, s).toContain(s);
      }
      // Nextcloud's template policy: scripts only by nonce, so no WebAssembly on the login page.
      expect(page.header('content-security-policy')).toMatch(/script-src 'nonce-[^']+';/);
      const token = /name="requesttoken" value="([^"]+)"/.exec(page.text)![1]!;
      expect(/<head data-requesttoken="([^"]+)"/.exec(page.text)).not.toBeNull();

      // Another site's form is refused even with the right password; so is a missing requesttoken.
      const foreign = await browser.req('POST', 'login', {
        headers: { origin: 'https://evil.example' },
        form: { user: 'alice', password: platform.users.alice.password, requesttoken: token },
      });
      expect(foreign.status).toBe(303);
      expect(foreign.header('location')).toMatch(/^\/login\?direct=1&user=alice/);
      expect((await browser.req('GET', 'login?direct=1&user=alice')).text).toContain('Please try again');
      const noToken = await browser.req('POST', 'login', { form: { user: 'alice', password: platform.users.alice.password } });
      expect(noToken.header('location')).toMatch(/^\/login\?direct=1&user=alice/);

      const origin = platform.url.replace(/\/$/, '');
      const wrong = await browser.req('POST', 'login', { headers: { origin: 'null' }, form: { user: 'alice', password: 'nope', requesttoken: token } });
      expect(wrong.header('location')).toBe('/login?direct=1&user=alice');
      const again = await browser.req('GET', 'login?direct=1&user=alice');
      expect(again.text).toContain('Wrong login or password.');

      const fresh = /name="requesttoken" value="([^"]+)"/.exec(again.text)![1]!;
      const ok = await browser.req('POST', 'login', {
        headers: { origin },
        form: { user: 'alice', password: platform.users.alice.password, requesttoken: fresh, redirect_url: '/apps/spreed/' },
      });
      expect(ok.status).toBe(303);
      expect(ok.header('location')).toBe(`${platform.url}apps/spreed/`);
      const app = await browser.req('GET', 'apps/spreed/');
      expect(app.status).toBe(200);
      expect(app.text).toContain('<title>Talk - Nextcloud</title>');
      expect(app.header('content-type')).toBe('text/html; charset=UTF-8');
      expect(app.header('content-security-policy')).toContain("'wasm-unsafe-eval'");
      expect(app.header('feature-policy')).toContain("camera 'self'");

      const csrf = await browser.req('GET', 'csrftoken');
      const requesttoken = csrf.json().token as string;
      // The session cookie plus a requesttoken pass the CSRF check without OCS-APIRequest.
      const me = await browser.req('GET', 'ocs/v2.php/cloud/user?format=json', { headers: { requesttoken } });
      expect(me.status).toBe(200);
      expect(me.json().ocs.data.id).toBe('alice');
    } finally {
      await browser.close();
    }
  });
});

test.describe('Talk', () => {
  test('alice creates a group conversation and adds bob', async ({ alice, bob }) => {
    expect((await alice.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: '' } })).json().ocs.data).toEqual({ error: 'name' });
    const created = await alice.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: 'tc-selftest room' } });
    expect(created.status).toBe(201);
    const room = created.json().ocs.data;
    expect(room).toMatchObject({ type: 2, name: 'tc-selftest room', participantType: 1, sessionId: '0' });
    expect(room.token).toMatch(/^[a-km-z2-9]{8}$/);
    const token = room.token as string;
    expect((await alice.ocs('POST', `apps/spreed/api/v4/room/${token}/participants`, { form: { newParticipant: 'bob', source: 'users' } })).status).toBe(200);
    const bobsRooms = (await bob.ocs('GET', 'apps/spreed/api/v4/room')).json().ocs.data;
    expect(bobsRooms.map((r: { token: string }) => r.token)).toContain(token);
  });

  test('a message reaches a long-polling peer; a poll with nothing new ends in 304 with an empty body', async ({ alice, bob, conversation: token }) => {
    const history = await bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=0&limit=100`);
    expect(history.status).toBe(200);
    const lastKnown = Number(history.header('x-chat-last-given'));
    const newest = history.json().ocs.data[0].id;
    const poll = bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=1&lastKnownMessageId=${newest}&timeout=10`);
    await new Promise((r) => setTimeout(r, 300));
    const sent = await alice.ocs('POST', `apps/spreed/api/v1/chat/${token}`, { form: { message: 'hello bob', referenceId: 'ref-1' } });
    expect(sent.status).toBe(201);
    expect(sent.json().ocs.data).toMatchObject({ message: 'hello bob', referenceId: 'ref-1', actorId: 'alice', messageType: 'comment', reactions: {} });
    const got = await poll;
    expect(got.status).toBe(200);
    expect(got.json().ocs.data.map((m: { message: string }) => m.message)).toEqual(['hello bob']);
    expect(got.header('x-chat-last-given')).toBe(String(sent.json().ocs.data.id));
    expect(lastKnown).toBeGreaterThan(0);

    const t0 = Date.now();
    const idle = await bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=1&lastKnownMessageId=${got.header('x-chat-last-given')}&timeout=2`);
    const ms = Date.now() - t0;
    expect(idle.status).toBe(304);
    expect(idle.text).toBe('');
    expect(idle.header('x-chat-last-given')).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(4000);
  });

  test('future messages come oldest first, history newest first, and limit is capped at 200', async ({ alice, bob, conversation: token }) => {
    const base = (await alice.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=0&limit=1`)).json().ocs.data[0].id as number;
    for (let i = 0; i < 205; i++) expect((await alice.ocs('POST', `apps/spreed/api/v1/chat/${token}`, { form: { message: `m${i}` } })).status).toBe(201);
    const future = await bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=1&lastKnownMessageId=${base}&limit=500&timeout=0`);
    const f = future.json().ocs.data as { id: number; message: string }[];
    expect(f).toHaveLength(200);
    expect(f[0]!.message).toBe('m0');
    expect(f[199]!.message).toBe('m199');
    expect(future.header('x-chat-last-given')).toBe(String(f[199]!.id));
    const history = (await bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=0&limit=3`)).json().ocs.data as { message: string }[];
    expect(history.map((m) => m.message)).toEqual(['m204', 'm203', 'm202']);
    const blank = await alice.ocs('POST', `apps/spreed/api/v1/chat/${token}`, { form: { message: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.json().ocs.data).toEqual({ error: 'message' });
  });

  test('a long poll ends when its client goes away (no waiting poll is left behind)', async ({ platform, bob, conversation: token }) => {
    const ac = new AbortController();
    const poll = bob.ocs('GET', `apps/spreed/api/v1/chat/${token}?lookIntoFuture=1&lastKnownMessageId=999999&timeout=30`, { signal: ac.signal }).catch((e: Error) => e);
    await expect.poll(async () => (await referenceState(platform)).longPolls, { timeout: 5_000 }).toBe(1);
    ac.abort();
    expect(await poll).toBeInstanceOf(Error);
    await expect.poll(async () => (await referenceState(platform)).longPolls, { timeout: 5_000 }).toBe(0);
  });

  test('a call needs a session: 404 before joining the conversation, then 200, and signaling lists the caller in the call', async ({ platform, alice, conversation: token }) => {
    expect((await alice.ocs('POST', `apps/spreed/api/v4/call/${token}`)).status).toBe(404);
    const join = await alice.ocs('POST', `apps/spreed/api/v4/room/${token}/participants/active`);
    expect(join.status).toBe(200);
    const sessionId = join.json().ocs.data.sessionId as string;
    expect(sessionId).toMatch(/^[A-Za-z0-9+/]{255}$/);
    expect((await alice.ocs('POST', `apps/spreed/api/v4/call/${token}`, { form: { flags: '7' } })).status).toBe(200);
    const sig = await alice.ocs('GET', `apps/spreed/api/v3/signaling/${token}`);
    expect(sig.status).toBe(200);
    const users = sig.json().ocs.data.at(-1);
    expect(users.type).toBe('usersInRoom');
    expect(users.data).toEqual([expect.objectContaining({ userId: 'alice', sessionId, inCall: 7 })]);
    expect((await referenceState(platform)).sessions).toBe(1);
  });

  test('internal signaling relays a message from one session to another', async ({ alice, bob, conversation: token }) => {
    expect((await alice.ocs('POST', `apps/spreed/api/v4/room/${token}/participants/active`)).status).toBe(200);
    const bobJoin = await bob.ocs('POST', `apps/spreed/api/v4/room/${token}/participants/active`);
    const bobSession = bobJoin.json().ocs.data.sessionId as string;
    const aliceSession = (await alice.ocs('GET', `apps/spreed/api/v4/room/${token}`)).json().ocs.data.sessionId as string;
    // Drain the participant-list refreshes bob's join queued for alice.
    await alice.ocs('GET', `apps/spreed/api/v3/signaling/${token}`);
    const offer = { to: bobSession, roomType: 'video', type: 'offer', payload: { type: 'offer', sdp: 'v=0' } };
    const messages = JSON.stringify([{ ev: 'message', fn: JSON.stringify(offer), sessionId: aliceSession }]);
    expect((await alice.ocs('POST', `apps/spreed/api/v3/signaling/${token}`, { form: { messages } })).json().ocs.data).toEqual([]);
    let received: { type: string; data: string }[] = [];
    await expect
      .poll(
        async () => {
          received = (await bob.ocs('GET', `apps/spreed/api/v3/signaling/${token}`)).json().ocs.data.filter((m: { type: string }) => m.type === 'message');
          return received.length;
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(JSON.parse(received[0]!.data)).toMatchObject({ ...offer, from: aliceSession });
  });

  test('signaling settings hand out coturn with Talk credentials that coturn accepts', async ({ platform, alice, conversation: token }) => {
    const res = await alice.ocs('GET', `apps/spreed/api/v3/signaling/settings?token=${token}`);
    expect(res.status).toBe(200);
    const s = res.json().ocs.data;
    expect(s).toMatchObject({ signalingMode: 'internal', userId: 'alice', server: '', federation: null });
    expect(s.stunservers).toEqual([{ urls: [`stun:${platform.turn.host}:443`] }]);
    // Two entries, as an admin configures them in Talk: turn: by address, turns: by the certificate's name.
    expect(s.turnservers).toHaveLength(2);
    expect(s.turnservers.flatMap((t: { urls: string[] }) => t.urls)).toEqual(platform.turn.urls);
    expect(s.turnservers[1].urls).toEqual([`turns:${platform.turn.name}:443?transport=tcp`]);
    const turn = s.turnservers[0];
    // One username for all servers (Config::getTurnSettings).
    expect(s.turnservers[1].username).toBe(turn.username);
    expect(turn.username).toMatch(/^\d+:[A-Za-z0-9+/]{16}$/);
    const expiry = Number(turn.username.split(':')[0]);
    expect(Math.abs(expiry - (Date.now() / 1000 + 86400))).toBeLessThan(60);
    // coturn allocates a relay with exactly these credentials: plain UDP and TCP, and TLS (turns:), on 443 and 3478.
    // turnutils_uclient needs a few seconds per run (its own send/receive loop), so they run side by side.
    const uclient = (args: string[], credential: string) =>
      execFileP('turnutils_uclient', [...args, '-y', '-n', '1', '-m', '1', '-l', '100', '-u', turn.username, '-w', credential, platform.turn.host], { timeout: 30_000 }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    const variants = [
      ['-p', '443'],
      ['-p', '443', '-t'],
      ['-p', '443', '-t', '-S'],
      ['-p', '3478'],
      ['-p', '3478', '-t', '-S'],
    ];
    const codes = await Promise.all(variants.map((v) => uclient(v, turn.credential)));
    variants.forEach((v, i) => expect(codes[i], `turnutils_uclient ${v.join(' ')} allocates with Talk's credentials`).toBe(0));
    expect(await uclient(['-p', '443'], 'wrong'), 'a wrong credential is refused').not.toBe(0);
  });

  test("coturn's TLS listener (turns:) presents a certificate of the instance CA for the TURN address and name, on 443 and 3478", async ({ platform }) => {
    const ca = readFileSync(platform.caFile, 'utf8');
    for (const [port, servername] of [
      [443, undefined],
      [3478, undefined],
      [443, platform.turn.name],
    ] as const) {
      const reply = await new Promise<number>((resolve, reject) => {
        const socket = tls.connect({ host: platform.turn.host, port, ca, ...(servername ? { servername } : {}) }, () => socket.write(stunBindingRequest().packet));
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          resolve(d.readUInt16BE(0));
        });
        socket.once('error', reject);
      });
      // A STUN Binding success over TLS: the same port speaks TLS and TURN.
      expect(reply, `port ${port}`).toBe(0x0101);
    }
  });

  test("the TURN host's restricted address lets only TCP 443 through (turn.relay.restricted's network); its main address is open", async ({ platform }) => {
    const r = platform.turn.restricted.address;
    expect(await udpStunAnswers(platform.turn.host, 443), 'UDP to the main address').toBe(true);
    expect(await udpStunAnswers(r, 443), 'UDP to the restricted address is dropped').toBe(false);
    expect(await tcpReach(r, 443), 'TCP 443 to the restricted address').toBe('connected');
    expect(await tcpReach(r, 3478), 'TCP 3478 to the restricted address is dropped').toBe('timeout');
    expect(await tcpReach(platform.turn.host, 3478), 'TCP 3478 to the main address').toBe('connected');
  });

  test('the blur preference is stored and shows in the capabilities', async ({ alice, bob }) => {
    expect((await alice.ocs('POST', 'apps/spreed/api/v1/settings/user', { form: { key: 'blur_virtual_background', value: 'yes' } })).status).toBe(200);
    const caps = (await alice.ocs('GET', 'cloud/capabilities')).json().ocs.data.capabilities;
    expect(caps.spreed.config.call['blur-virtual-background']).toBe(true);
    expect((await bob.ocs('GET', 'cloud/capabilities')).json().ocs.data.capabilities.spreed.config.call['blur-virtual-background']).toBe(false);
  });

  test('leaving and deleting leaves no sessions and no rooms behind', async ({ platform, alice, bob, conversation: token }) => {
    for (const c of [alice, bob]) expect((await c.ocs('POST', `apps/spreed/api/v4/room/${token}/participants/active`)).status).toBe(200);
    expect((await alice.ocs('POST', `apps/spreed/api/v1/chat/${token}`, { form: { message: 'before leaving' } })).status).toBe(201);
    expect((await referenceState(platform)).sessions).toBe(2);
    for (const c of [alice, bob]) expect((await c.ocs('DELETE', `apps/spreed/api/v4/room/${token}/participants/active`)).status).toBe(200);
    expect((await referenceState(platform)).sessions).toBe(0);
    expect((await bob.ocs('DELETE', `apps/spreed/api/v4/room/${token}`)).status).toBe(403);
    expect((await alice.ocs('DELETE', `apps/spreed/api/v4/room/${token}`)).status).toBe(200);
    expect(await referenceState(platform)).toMatchObject({ rooms: 0, messages: 0, sessions: 0, longPolls: 0, users: 3 });
  });
});

test.describe('control endpoint', () => {
  test('reset returns the platform to its start state: rooms, messages and sessions gone, a deleted user back, counters at 0', async ({ platform, alice, conversation: token }) => {
    const admin = Client.for(platform, platform.users.admin);
    try {
      expect((await alice.ocs('POST', `apps/spreed/api/v4/room/${token}/participants/active`)).status).toBe(200);
      expect((await alice.ocs('POST', `apps/spreed/api/v1/chat/${token}`, { form: { message: 'to be reset' } })).status).toBe(201);
      expect((await admin.ocs('DELETE', 'cloud/users/bob')).status).toBe(200);
      const wrong = Client.for(platform, { ...platform.users.alice, password: 'not the password' });
      expect((await wrong.ocs('GET', 'cloud/user')).status).toBe(401);
      await wrong.close();
      expect(await referenceState(platform)).toMatchObject({ users: 2, rooms: 1, sessions: 1 });
      expect((await referenceState(platform)).failedLogins).toBeGreaterThan(0);
      expect(await resetPlatform(platform)).toEqual(
        expect.objectContaining({ users: 3, rooms: 0, messages: 0, sessions: 0, signalingMessages: 0, longPolls: 0, failedLogins: 0, loginFormFailureAddresses: 0 }),
      );
      const bob = Client.for(platform, platform.users.bob);
      expect((await bob.ocs('GET', 'cloud/user')).status, 'bob logs in again with his password').toBe(200);
      await bob.close();
      expect((await alice.ocs('GET', `apps/spreed/api/v4/room/${token}`)).status, 'the old conversation is gone').toBe(404);
      // Only POST resets, and only with the token, as for the state.
      expect((await request(`${platform.control.url}__reference/reset`, { method: 'POST' })).statusCode).toBe(404);
      expect((await request(`${platform.control.url}__reference/reset`, { headers: { 'x-reference-control': platform.control.token } })).statusCode).toBe(405);
    } finally {
      await admin.close();
    }
  });

  test('answers only on the direct listener and only with the token', async ({ platform, anon }) => {
    expect((await request(`${platform.control.url}__reference/state`)).statusCode).toBe(404);
    expect((await request(`${platform.control.url}__reference/state`, { headers: { 'x-reference-control': 'nope' } })).statusCode).toBe(404);
    const viaNginx = await anon.req('GET', '__reference/state', { headers: { 'x-reference-control': platform.control.token } });
    expect(viaNginx.status).toBe(404);
  });
});
