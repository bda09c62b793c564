import { check, test } from '../../../fixtures/index.ts';
import { attachJson } from '../../../fixtures/check.ts';
import { latencySvg } from '../../../src/load/chart.ts';
import { DRAIN_MS, runChatLoad } from '../../../src/load/engine.ts';
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
        console.log(`[load] ${g.elapsedS}s polling ${g.participantsPolling}/${g.participants} sent ${g.sent} delivered ${g.delivered} p95 ${g.p95DeliveryMs} ms errors ${g.errors}`);
      }
    },
  }).finally(() => process.off('SIGINT', onSigint));
  const p95 = r.delivery.percentilesMs['p95'] ?? 0;
  const svg = latencySvg(r, `Chat delivery: ${r.participants} participants, ${s.ratePerS} msg/s, ${s.durationS} s`, s.p95DeliveryMs);
  await testInfo.attach('delivery-latency.svg', { body: svg, contentType: 'image/svg+xml' });
  await attachJson(testInfo, 'load-result', r);
  evidence
    .add('participants', { count: r.participants, mode: p.mode, logins: p.mode === 'reused' ? p.logins : `${p.logins.length} throwaway users` })
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
  evidence.observed(
    `${r.participants} participants, ${r.sent.acknowledged} messages: p50 ${r.delivery.percentilesMs['p50']} ms, p95 ${p95} ms, max ${r.delivery.maxMs} ms; ` +
      `lost ${r.lost}, duplicated ${r.duplicated}, errors ${r.errorPercent} %${r.aborted ? `; aborted: ${r.aborted}` : ''}`,
  );
  const k = r.counters;
  const throttled = k.throttled > 0
    ? `; ${k.throttled} answers were 429 (Nextcloud's brute-force protection throttles this load source): allowlist its address in the Brute-force settings app (Administration > Security) or disable protection on a test system`
    : '';
  evidence.requireAll([
    [r.aborted === null, `the run was aborted: ${r.aborted}${throttled}`],
    [r.delivery.count > 0 && p95 <= s.p95DeliveryMs, `p95 delivery latency ${p95} ms is above ${s.p95DeliveryMs} ms: messages reach participants late`],
    [r.lost === 0, `${r.lost} of ${r.deliveries.expected} deliveries never arrived: messages are lost`],
    [r.duplicated === 0, `${r.duplicated} messages were delivered twice to the same participant`],
    [r.errorPercent <= s.maxErrorPercent, `${r.errorPercent} % of requests failed (timeouts ${k.timeouts}, 429 ${k.throttled}, 5xx ${k.http5xx}, resets ${k.resets}, other ${k.otherStatus + k.networkErrors})${throttled}`],
  ]);
});
