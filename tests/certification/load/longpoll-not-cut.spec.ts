import { check, test } from '../../../fixtures/index.ts';
import { THROTTLE_REMEDY } from '../../../src/talk/errors.ts';
import { LONG_POLL_TIMEOUT_MS } from '../../../src/talk/http.ts';
import { MIN_HELD_MS, probeLongPoll } from '../../../src/load/longpoll.ts';

const c = check('load.longpoll.not-cut');

test(c.title, c.details, async ({ target, evidence, loadResources }) => {
  test.setTimeout(LONG_POLL_TIMEOUT_MS + 60_000);
  if (!target.user) evidence.notRun('needs TALK_USER/TALK_PASSWORD to hold a chat long poll');
  if (!target.probe.talk.installed) evidence.notRun('Talk is not installed (see talk.installed)');
  const owner = loadResources.owner();
  const token = await loadResources.createRoom(owner, 'long-poll hold');
  const lastKnownMessageId = await loadResources.lastMessageId(owner, token);
  // Its own session: the owner's session must not be the one waiting.
  const r = await probeLongPoll({ poller: loadResources.client(target.user!), token, lastKnownMessageId });
  evidence.add('poll', r).add('minHeldMs', MIN_HELD_MS);
  const ended = r.status !== null ? `HTTP ${r.status}` : (r.error ?? 'unknown');
  evidence.observed(`poll with timeout=30 ended after ${(r.heldMs / 1000).toFixed(1)} s with ${ended}`);
  if (r.status === 304 && r.heldMs >= MIN_HELD_MS) return;
  // Nextcloud throttling this machine says nothing about proxies: not run, with the remedy.
  if (r.throttledByNextcloud) evidence.notRun(`the poll was answered HTTP 429 by Nextcloud's brute-force protection: ${THROTTLE_REMEDY}`);
  let diagnosis: string;
  if (r.status === 502 || r.status === 504 || r.error === 'resets') {
    diagnosis =
      `the poll was cut after ${(r.heldMs / 1000).toFixed(1)} s with ${r.status ? `HTTP ${r.status} (${r.status === 504 ? 'Gateway Timeout' : 'Bad Gateway'})` : 'a connection reset'}: ` +
      "a proxy in front of PHP times out before Talk's 30 s long poll ends, so clients see errors and reconnect instead of waiting";
  } else if (r.status === 304) {
    diagnosis = `the server answered 304 after only ${(r.heldMs / 1000).toFixed(1)} s instead of holding the poll ~30 s`;
  } else if (r.status === 200) {
    diagnosis = 'the poll returned a message in a conversation where nobody wrote (unexpected)';
  } else {
    diagnosis = `the poll failed: ${r.message ?? ended}`;
  }
  evidence.require(false, diagnosis);
});
