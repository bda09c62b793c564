import { check, test } from '../../../fixtures/index.ts';
import { attachJson } from '../../../fixtures/check.ts';
import { latencySvg } from '../../../src/load/chart.ts';
import { DRAIN_MS, runChatLoad } from '../../../src/load/engine.ts';
import { chatLoadConditions, chatLoadObserved, nextcloudThrottled, throttledReason } from '../../../src/load/diagnose.ts';
import { LOAD_OVERRIDE_ENV, loadSettingsFromEnv } from '../../../src/load/limits.ts';

const c = check('load.chat.under-load');
/** Provisioning, login and cleanup of the participants, on top of the load's own duration. */
const SETUP_ALLOWANCE_MS = 120_000;

test(c.title, c.details, async ({ target, evidence, loadResources }, testInfo) => {
  const s = loadSettingsFromEnv();
  test.setTimeout((s.rampUpS + s.durationS) * 1000 + DRAIN_MS + SETUP_ALLOWANCE_MS);
  if (!target.user) evidence.notRun('needs TALK_USER/TALK_PASSWORD');
  if (!target.probe.talk.installed) evidence.notRun('Talk is not installed (see talk.installed)');
  const owner = loadResources.owner();
  const token = await loadResources.createRoom(owner, 'chat load');
  const p = await loadResources.participants(owner, token, s.participants);
  const lastKnownMessageId = await loadResources.lastMessageId(owner, token);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  const r = await runChatLoad({
    token,
    lastKnownMessageId,
    participants: p.clients,
    senders: p.clients.slice(0, s.senders),
    settings: s,
    tag: target.runId,
    signal: stop.signal,
    overrideCaps: ['1', 'true', 'yes', 'on'].includes((process.env[LOAD_OVERRIDE_ENV] ?? '').toLowerCase()),
    onProgress: (g) => {
      if (g.elapsedS % 5 === 0) {
        console.log(
          `[load] ${g.elapsedS}s polling ${g.participantsPolling}/${g.participants} sent ${g.sent} delivered ${g.delivered} p95 ${g.p95DeliveryMs} ms errors ${g.errors}`,
        );
      }
    },
  }).finally(() => process.off('SIGINT', onSigint));
  const svg = latencySvg(r, `Chat delivery: ${r.participants} participants, ${s.ratePerS} msg/s, ${s.durationS} s`, s.p95DeliveryMs);
  await testInfo.attach('delivery-latency.svg', { body: svg, contentType: 'image/svg+xml' });
  await attachJson(testInfo, 'load-result', r);
  evidence
    .add('participants', { count: r.participants, mode: p.mode, logins: p.mode === 'reused' ? p.logins : `${p.logins.length} throwaway users` })
    // One password login per participant, then its session cookie (what Talk's web client does).
    .add('auth', loadResources.authMode)
    .add('joins', r.joins)
    .add('pollCeiling', r.pollCeiling)
    .add('thresholds', { p95DeliveryMs: s.p95DeliveryMs, maxErrorPercent: s.maxErrorPercent })
    .add('delivery', r.delivery)
    .add('send', r.send)
    .add('sent', r.sent)
    .add('deliveries', r.deliveries)
    .add('lost', r.lost)
    .add('duplicated', r.duplicated)
    .add('outOfOrder', r.outOfOrder)
    .add('counters', r.counters)
    .add('errorPercent', r.errorPercent)
    .add('aborted', r.aborted);
  if (p.mode === 'reused') evidence.add('note', `no admin credentials: ${r.participants} participants share the logins ${p.logins.join(', ')} (one session each)`);
  evidence.add('statuses', r.statuses);
  evidence.observed(chatLoadObserved(r));
  // Nextcloud throttling this machine is about the client, not the platform: not run, with the remedy.
  const throttled = nextcloudThrottled(r.statuses);
  if (throttled) evidence.notRun(throttledReason(throttled, null));
  // Each participant holds one chat long poll (and one signaling poll with TALK_LOAD_SIGNALING), all from this one address.
  evidence.requireAll(chatLoadConditions(r, s, r.participants * (s.signaling ? 2 : 1)));
});
