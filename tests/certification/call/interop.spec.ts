import { check, test } from '../../../fixtures/call.ts';
import { BROWSER_HOW, type LaunchedEngine, launchEngine } from '../../../fixtures/call-browsers.ts';
import { requireConnectedCall, runCall } from './connect.ts';

const c = check('call.interop');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, target }) => {
  // Runs once per certification, from the platform project: it needs both engines at once.
  if (callSession.talkMissing) return evidence.notRun(callSession.talkMissing);
  const launched: LaunchedEngine[] = [];
  try {
    const cr = await launchEngine('chromium', target);
    launched.push(cr);
    const ff = await launchEngine('firefox', target);
    launched.push(ff);
    if (!cr.browser) return evidence.notRun(`the Chromium ↔ Firefox call needs both browsers: ${cr.reason}`, { class: 'environment', how: BROWSER_HOW });
    if (!ff.browser) return evidence.notRun(`the Chromium ↔ Firefox call needs both browsers: ${ff.reason}`, { class: 'environment', how: BROWSER_HOW });
    evidence.add('pair', { A: `${cr.label} ${cr.browser.version()}`, B: `${ff.label} ${ff.browser.version()}` }).add('browserTrust', [...cr.notes, ...ff.notes]);
    const run = await runCall(callSession, evidence, { a: cr.browser, b: ff.browser }, { forceRelay: false });
    requireConnectedCall(run, evidence, false);
  } finally {
    for (const l of launched) await l.browser?.close();
  }
});
