import { check, test } from '../../../fixtures/index.ts';
import { attachJson } from '../../../fixtures/check.ts';
import { loadSettingsFromEnv } from '../../../src/load/limits.ts';
import { DRAIN_BOUND_EXTRA_MS, ORDINARY_PROBE_TIMEOUT_MS, POLLS_SETTLE_MS, type Timed, probeStarvation } from '../../../src/load/longpoll.ts';
import { HttpClient, LONG_POLL_TIMEOUT_MS } from '../../../src/talk/http.ts';
import { describeFrontRefusal, frontRefusal, nextcloudThrottled, throttledReason } from '../../../src/load/diagnose.ts';

const c = check('load.longpoll.no-starvation');
const show = (t: Timed) => (t.error ? `${t.status !== undefined ? `HTTP ${t.status}${t.server ? ` from "${t.server}"` : ''}` : t.error} after ${t.ms} ms` : `${t.ms} ms`);
const worst = (ts: Timed[]) => ts.reduce((a, b) => ((b.error && !a.error) || b.ms > a.ms ? b : a));

test(c.title, c.details, async ({ target, evidence, loadResources }, testInfo) => {
  const s = loadSettingsFromEnv();
  // Plus the drain: the check waits for its own polls to end (up to 30 s + DRAIN_BOUND_EXTRA_MS after the last one).
  test.setTimeout(POLLS_SETTLE_MS + 6 * ORDINARY_PROBE_TIMEOUT_MS + s.pollDeliveryMs + LONG_POLL_TIMEOUT_MS + DRAIN_BOUND_EXTRA_MS + 60_000);
  if (!target.user) evidence.notRun('needs TALK_USER/TALK_PASSWORD to hold chat long polls');
  if (!target.probe.talk.installed) evidence.notRun('Talk is not installed (see talk.installed)');
  const owner = loadResources.owner();
  const token = await loadResources.createRoom(owner, 'long-poll starvation');
  // One login holds all K polls, each in its own PHP session: a worker is a worker, whoever waits in it.
  const pollers = Array.from({ length: s.pollsHeld }, () => loadResources.client(target.user!));
  const http = new HttpClient(target.url, { caFile: target.caFile, cookies: false, dispatcher: loadResources.dispatcher });
  const r = await probeStarvation({ http, sender: owner, pollers, token, deliveryBoundMs: s.pollDeliveryMs, tag: target.runId });
  const heldStatus = worst(r.held.status);
  const idleStatus = worst(r.idle.status);
  evidence
    .add('pollsHeld', r.k)
    // Each poller logged in once (its session cookie afterwards), before the polls were sent.
    .add('auth', loadResources.authMode)
    .add('pollerLoginsMs', r.loginsMs)
    .add('drain', r.drain)
    .add('thresholds', { ordinaryRequestMs: s.ordinaryRequestMs, pollDeliveryMs: s.pollDeliveryMs })
    .add('idle', r.idle)
    .add('held', r.held)
    .add('delivered', `${r.delivered}/${r.k}`)
    .add('deliveryMs', r.deliveryMs)
    .add('pollErrors', r.pollErrors)
    .add('statuses', r.statuses)
    .add('participants', `one login (${target.user!.user}) holding ${r.k} polls in separate sessions`);
  await attachJson(testInfo, 'load-starvation', r);
  evidence.observed(
    `idle: status.php ${show(idleStatus)}, send ${show(r.idle.send)}; with ${r.k} polls held: status.php ${show(heldStatus)}, send ${show(r.held.send)}, ` +
      `message reached ${r.delivered}/${r.k} pollers${r.deliveryMs !== null ? ` in ${r.deliveryMs} ms` : ''}`,
  );
  const throttled = nextcloudThrottled(r.statuses);
  if (throttled) evidence.notRun(throttledReason(throttled, null));
  const failed = [...r.held.status, r.held.send].filter((t) => t.error).length + Object.values(r.pollErrors).reduce((a, b) => a + (b ?? 0), 0);
  const refused = frontRefusal(r.statuses, failed);
  const queued = r.held.status.some((t) => t.error === 'timeouts') || r.held.send.error === 'timeouts';
  // K polls plus the probes, all from this machine.
  const why = refused
    ? `refused at once with HTTP ${refused.status}, not queued (see above)`
    : queued
      ? `requests queue behind the ${r.k} held long polls: the PHP worker pool (pm.max_children) or the web server's workers are fewer than the waiting clients`
      : 'ordinary requests are slow while long polls are held';
  evidence.requireAll([
    ...(refused ? [[false, describeFrontRefusal(refused, r.k + 1)] as [boolean, string]] : []),
    [
      !heldStatus.error && heldStatus.ms <= s.ordinaryRequestMs,
      `status.php: ${show(heldStatus)} with ${r.k} polls held (idle: ${show(idleStatus)}; limit ${s.ordinaryRequestMs} ms): ${why}`,
    ],
    [
      !r.held.send.error && r.held.send.ms <= s.ordinaryRequestMs,
      `a chat send: ${show(r.held.send)} with ${r.k} polls held (idle: ${show(r.idle.send)}; limit ${s.ordinaryRequestMs} ms): ${why}`,
    ],
    [
      r.deliveryMs !== null && r.deliveryMs <= s.pollDeliveryMs,
      r.deliveryMs !== null
        ? `the message reached all ${r.k} held pollers only after ${r.deliveryMs} ms (limit ${s.pollDeliveryMs} ms)`
        : `the message reached only ${r.delivered} of ${r.k} held pollers within ${s.pollDeliveryMs} ms${refused ? ` (HTTP ${refused.status} refusals, see above)` : ''}`,
    ],
  ]);
});
