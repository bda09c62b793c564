import { check, test } from '../../../fixtures/call.ts';
import { FIREFOX_RELAY_ONLY_PREF, relaunchWithPrefs } from '../../../fixtures/call-browsers.ts';
import { requireConnectedCall, runCall } from './connect.ts';

const c = check('call.relay');
// The call page receives Talk's TURN credentials (signaling settings); a trace would record them.
test.use({ trace: 'off' });

test(c.title, c.details, async ({ callSession, evidence, browser, browserName, playwright, target }, testInfo) => {
  // Relay is forced the ways a user or admin can: every RTCPeerConnection gets
  // iceTransportPolicy 'relay' (init-script wrapper; what Talk's docs do through
  // OCA.Talk.SimpleWebRTC), and in Firefox also its own pref, which needs a browser of its own.
  const relayBrowser = browserName === 'firefox' ? await relaunchWithPrefs(playwright.firefox, testInfo, target, { [FIREFOX_RELAY_ONLY_PREF]: true }) : browser;
  evidence.add('relayForcedBy', ["iceTransportPolicy 'relay' on every RTCPeerConnection", ...(browserName === 'firefox' ? [`${FIREFOX_RELAY_ONLY_PREF}=true`] : [])]);
  try {
    const run = await runCall(callSession, evidence, { a: relayBrowser, b: relayBrowser }, { forceRelay: true });
    requireConnectedCall(run, evidence, true);
    const local = (s: typeof run.rtcA) => s.pcs.find((p) => p.connectionState === 'connected')?.selectedPair?.local ?? null;
    const la = local(run.rtcA);
    const lb = local(run.rtcB);
    evidence.requireAll([
      [la?.type === 'relay', `A's selected candidate pair is not a relay pair (local candidate ${la?.type ?? 'unknown'}): media did not go through TURN`],
      [lb?.type === 'relay', `B's selected candidate pair is not a relay pair (local candidate ${lb?.type ?? 'unknown'}): media did not go through TURN`],
    ]);
  } finally {
    if (relayBrowser !== browser) await relayBrowser.close();
  }
});
