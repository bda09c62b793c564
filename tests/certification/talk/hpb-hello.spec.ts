import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { type HelloResult, WELCOME_TIMEOUT_MS, helloOverWebSocket, tryUpgrade } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.hello');

function describe(r: HelloResult): string {
  if (r.response?.type === 'hello') return `hello ${r.version}: session ${r.response.sessionId ? 'given' : 'missing'} for ${r.response.userId ?? '(no user)'}`;
  if (r.response) return `hello ${r.version}: ${r.response.type} ${r.response.errorCode ?? ''} "${r.response.errorMessage ?? ''}"`;
  return `hello ${r.version}: ${r.opened ? '' : 'WebSocket not opened; '}${r.error ?? 'no answer'}`;
}

/**
 * Talk's client handshake (spreed src/utils/signaling.js: connect, welcomeReceived, sendHello,
 * helloResponseReceived) with the settings' helloAuthParams and the backend URL Talk's client sends.
 */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const s = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-hello');
  const base = { server: s.server, nextcloudBase: target.url, helloAuthParams: s.helloAuthParams, caFile: target.caFile };
  const v1 = await test.step('hello 1.0 with user id and ticket', () => helloOverWebSocket({ ...base, version: '1.0' }));
  // Talk's client uses v2 only when the HPB announces hello-v2 and the settings carry a v2 token.
  const v2Offered = Boolean(s.helloAuthParams['2.0']) && (v1.welcomeFeatures ?? []).includes('hello-v2');
  const v2 = v2Offered ? await test.step('hello 2.0 with the token', () => helloOverWebSocket({ ...base, version: '2.0' })) : null;
  const results = [v1, ...(v2 ? [v2] : [])];
  evidence.add('url', v1.url).add('welcomeFeatures', v1.welcomeFeatures);
  for (const r of results) {
    evidence.add(`hello${r.version}`, {
      opened: r.opened,
      response: r.response ? { ...r.response, sessionId: r.response.sessionId ? '(given)' : undefined } : null,
      error: r.error ?? null,
      elapsedMs: r.elapsedMs,
      ...(r.response ? {} : { helloSent: r.helloSent ?? null, byeReason: r.byeReason ?? null, closedAfterMs: r.closedAfterMs ?? null }),
    });
  }
  evidence.observed(results.map(describe).join('; ') + (v2 ? '' : '; hello 2.0 not offered'));
  if (!v1.opened) {
    // Why the socket did not open: the handshake's status (the browser hides it, the proxy's answer does not).
    const up = await tryUpgrade(s.server, target.caFile);
    evidence.add('handshake', { status: up.status, body: up.body });
    evidence.require(false, `the WebSocket to ${v1.url} did not open (handshake answered ${up.status ?? up.error}; see talk.hpb.websocket), so no hello could be sent`);
  }
  evidence.requireAll(
    results.map((r) => [
      r.response?.type === 'hello' && Boolean(r.response.sessionId),
      r.response?.type === 'error'
        ? `the HPB refused hello ${r.version} with ${r.response.errorCode} ("${r.response.errorMessage}")` +
          (r.response.errorCode === 'invalid_request' ? ": Nextcloud refused the HPB's backend request — the shared secrets of Talk and the HPB differ" : '') +
          (r.response.errorCode === 'invalid_backend' ? `: the HPB does not accept ${target.url} as a backend (not in its [backend] backends)` : '') +
          // The v2 token's iat/exp are Nextcloud's clock, checked against the HPB's (observed with 2.0.2 on profile hpb-clock-skew).
          (r.response.errorCode === 'token_not_valid_yet' || r.response.errorCode === 'token_expired'
            ? ': the clocks of Nextcloud and the HPB differ (see talk.hpb.welcome); keep both in sync with NTP'
            : '')
        : `no hello answer to hello ${r.version} (${r.error ?? r.response?.type ?? 'nothing'})` +
          // Observed with Debian 12's 0.4.1 (profile hpb-outdated): no welcome message, and bye hello_timeout after 2 s.
          // On a busy HPB the bye can come a little after Talk's 3 s, crossing our hello: the same HPB.
          (!r.response && r.welcomeFeatures === null && (r.helloSent === false || r.byeReason === 'hello_timeout')
            ? `: the HPB sends no welcome message and ends the connection${r.byeReason ? ` (bye "${r.byeReason}")` : ''} without waiting for Talk's client's hello — ` +
              `Talk's client waits ${WELCOME_TIMEOUT_MS / 1000} s for a welcome first (spreed src/utils/signaling.js welcomeTimeoutMs), so it can never connect; ` +
              'the HPB is too old for this Talk (see talk.hpb.welcome): update nextcloud-spreed-signaling'
            : ''),
    ]),
  );
});
