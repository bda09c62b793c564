import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { HPB_IDLE_MS, HPB_PING_PERIOD_S, HpbConnection } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.idle');

/** How long the `bye` round trip after the idle time may take. */
const ROUND_TRIP_TIMEOUT_MS = 10_000;

/**
 * One signaling connection as Talk's client keeps it (spreed src/utils/signaling.js, Standalone):
 * hello with the settings' credentials, then nothing for 70 s but the pongs undici answers the
 * HPB's pings with (client.go pingPeriod 54 s), then `bye`, which the HPB answers with the same id
 * (hub.go processByeMsg → SendByeResponse) — the round trip that shows the connection still carries messages.
 */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  test.setTimeout(HPB_IDLE_MS + 60_000);
  const s = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-idle');
  const conn = new HpbConnection(s.server, target.caFile);
  try {
    // Outside test.step: notRun skips the test.
    const opened = await test.step('open the WebSocket', () =>
      conn.open().then(
        () => null,
        (err: Error) => err.message,
      ));
    if (opened !== null) evidence.notRun(`${opened}; see talk.hpb.websocket`);
    // Talk's client: v2 when the HPB announces hello-v2 and the settings carry a token.
    const version = s.helloAuthParams['2.0'] && (conn.welcomeFeatures ?? []).includes('hello-v2') ? '2.0' : '1.0';
    const hello = await test.step(`hello ${version}`, () =>
      conn.hello(version, target.url, s.helloAuthParams[version]).catch((err: Error) => ({ type: 'none', error: { message: err.message } }) as Record<string, any>));
    evidence.add('hello', { version, answer: hello['type'] });
    if (hello['type'] !== 'hello')
      evidence.notRun(`the HPB did not accept hello ${version} (${hello['type']} ${hello['error']?.['code'] ?? ''} ${hello['error']?.['message'] ?? ''}); see talk.hpb.hello`);
    const idleFrom = Date.now();
    await test.step(`stay idle ${HPB_IDLE_MS / 1000} s`, () => conn.idle(HPB_IDLE_MS));
    const idleS = Math.round((Date.now() - idleFrom) / 100) / 10;
    evidence.add('url', conn.server).add('idleS', idleS).add('pingsFromHpb', conn.pings);
    if (conn.closed) {
      const afterS = Math.round((conn.closedAtMs ?? 0) / 100) / 10;
      evidence.add('closeCode', conn.closeCode).add('closedAfterS', afterS);
      evidence.observed(`the connection ${conn.closed} after ${afterS} s (idle ${idleS} s, ${conn.pings} ping(s) from the HPB answered)`);
      evidence.require(
        false,
        `the signaling WebSocket closed after ${afterS} s (code ${conn.closeCode}) while idle: ` +
          (afterS < HPB_PING_PERIOD_S
            ? `something between client and HPB ends idle WebSockets sooner than the HPB's ping every ${HPB_PING_PERIOD_S} s — the proxy's read/send timeout at the HPB's location is too short`
            : 'the connection did not survive a ping period — the proxy timeout or the ping/pong path is broken'),
      );
    }
    const started = Date.now();
    const bye = await test.step('bye round trip', () =>
      conn.call({ type: 'bye', bye: {} }, ROUND_TRIP_TIMEOUT_MS).catch((err: Error) => ({ type: 'none', error: { message: err.message } }) as Record<string, any>));
    const rttMs = Date.now() - started;
    evidence.add('byeAnswer', bye['type']).add('roundTripMs', rttMs);
    evidence.observed(
      `still open after ${idleS} s idle (${conn.pings} ping(s) from the HPB answered); bye ${bye['type'] === 'bye' ? `answered in ${rttMs} ms` : `not answered (${bye['error']?.['message'] ?? bye['type']})`}`,
    );
    evidence.require(bye['type'] === 'bye', `after ${idleS} s idle the connection looked open, but the HPB did not answer bye (${bye['error']?.['message'] ?? bye['type']})`);
  } finally {
    await conn.close();
  }
});
