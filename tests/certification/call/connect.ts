import { type Browser, expect, test } from '@playwright/test';
import {
  CALL_CONNECT_TIMEOUT_MS,
  type CallSession,
  MEDIA_FLOW_TIMEOUT_MS,
  MEDIA_MIN_GROWTH_BYTES,
  type Participant,
  logIn,
  requireConversationJoined,
} from '../../../fixtures/call.ts';
import type { EvidenceRecorder } from '../../../fixtures/index.ts';
import { type PeerConnectionSnapshot, type RtcSnapshot, inboundBytes } from '../../../src/talk/ui/index.ts';

/**
 * The logic of the call checks that connect two participants (media.spec.ts, relay.spec.ts,
 * interop.spec.ts): log in, start, join, connect, media, leave, each a test.step with its
 * evidence, and the verdict lines they share; the diagnosis names the phase that broke. The
 * participants, users and conversation come from the callSession fixture (fixtures/call.ts).
 */

/** Poll interval while waiting for a call to connect or media to flow (what expect.poll would use). */
export const POLL_INTERVAL_MS = 500;

export interface CallRun {
  a: Participant;
  b: Participant;
  rtcA: RtcSnapshot;
  rtcB: RtcSnapshot;
  connected: boolean;
  connectMs: number | null;
  mediaFlowing: boolean;
}

const isConnected = (s: RtcSnapshot) => s.pcs.some((p) => p.connectionState === 'connected');
const connectedPc = (s: RtcSnapshot): PeerConnectionSnapshot | undefined => s.pcs.find((p) => p.connectionState === 'connected');

/** Where a call that did not connect got stuck, from both sides' peer connections and signaling requests. */
export function diagnoseNoConnection(a: Participant, b: Participant, rtcA: RtcSnapshot, rtcB: RtcSnapshot, forceRelay: boolean): string {
  const side = (p: Participant, s: RtcSnapshot) => {
    if (!s.instrumented) return `${p.label}: RTCPeerConnection probe missing (${s.error})`;
    if (s.pcs.length === 0) return `${p.label}: no peer connection`;
    return `${p.label}: ${s.pcs.map((x) => `${x.signalingState}/${x.iceConnectionState}/${x.connectionState}, remote description ${x.remoteDescription ?? 'none'}, local candidates ${JSON.stringify(x.localCandidateTypes)}`).join('; ')}`;
  };
  const sig = (p: Participant) => {
    const bad = p.signaling.filter((r) => r.status >= 400 || r.status === 0);
    return `${p.label} signaling requests: ${p.signaling.length} (${bad.length} failed${bad.length ? `: ${[...new Set(bad.map((r) => `${r.method} ${r.status}`))].join(', ')}` : ''})`;
  };
  const states = `${side(a, rtcA)}; ${side(b, rtcB)}; ${sig(a)}; ${sig(b)}`;
  const pcs = [...rtcA.pcs, ...rtcB.pcs];
  if (rtcA.pcs.length === 0 && rtcB.pcs.length === 0) {
    return `no peer connection was created within ${CALL_CONNECT_TIMEOUT_MS / 1000} s: the participants did not learn of each other through Talk's signaling (${states})`;
  }
  if (pcs.some((x) => !x.remoteDescription) || rtcA.pcs.length === 0 || rtcB.pcs.length === 0) {
    return `the offer/answer never completed: signaling messages between the participants were not delivered (${states})`;
  }
  const relayGathered = pcs.some((x) => (x.localCandidateTypes['relay'] ?? 0) > 0);
  if (forceRelay && !relayGathered) {
    return `ICE found no path with relay forced: no relay candidate was gathered, so Talk's TURN server did not answer the browsers (${states})`;
  }
  return `ICE found no working candidate pair within ${CALL_CONNECT_TIMEOUT_MS / 1000} s: offer and answer were exchanged, but no media path between the participants${forceRelay ? ' through TURN' : ''} works (${states})`;
}

/**
 * A call between `a` (in browser `browserA`) and `b` (in `browserB`): A starts it, B joins, both
 * peer connections connect, inbound bytes grow on both sides. Returns what it saw; the spec
 * requires what its check certifies. Screenshots of both participants in the call are attached.
 */
export async function runCall(session: CallSession, evidence: EvidenceRecorder, browsers: { a: Browser; b: Browser }, opts: { forceRelay: boolean }): Promise<CallRun> {
  const t0 = Date.now();
  if (session.talkMissing) return evidence.notRun(session.talkMissing);
  const users = await test.step('the two participants: throwaway users (admin credentials) or the configured ones', () => session.users(2));
  if (!users.b) return evidence.notRun(users.missingB ?? 'no second participant');
  evidence.add('talkUi', session.ui.label).add('users', { mode: users.mode, a: users.a.user, b: users.b.user });
  const conversation = await test.step('create the conversation through the API and add both participants', () => session.conversation());
  evidence.add('conversation', { token: conversation.token, name: conversation.name, owner: conversation.owner });

  const [a, b] = await test.step('A and B log in through the login page (untraced contexts; only cookies are handed over)', () =>
    logIn(evidence, users.mode, () =>
      Promise.all([
        session.participant('A', users.a, browsers.a, { forceRelay: opts.forceRelay }),
        session.participant('B', users.b!, browsers.b, { forceRelay: opts.forceRelay }),
      ]),
    ));
  evidence.add('login', { A: a.login, B: b.login }).add('browsers', { A: a.browserName, B: b.browserName });

  evidence.add('firstRunWizard', { A: a.wizard, B: b.wizard });

  /** One participant opens the conversation page and presses its call button ("Start call" for A, "Join call" for B). */
  const openAndJoin = async (label: 'A' | 'B', p: typeof a, button: string) => {
    const nav = await test.step(`${label} opens the conversation page`, () => p.call.open(session.baseUrl, conversation.token));
    const shown = await session.uiStep(`${label} sees the conversation joined (call button "Start call"/"Join call" enabled)`, () => p.call.waitForConversation());
    evidence.add(label, { page: nav, shown });
    requireConversationJoined(evidence, label, shown);
    const joined = await session.uiStep(`${label} clicks "${button}"`, () => p.call.joinCall());
    evidence.add(label, { page: nav, shown, joined });
    evidence.require(joined.status === 200, `${label}'s "${button}" was not accepted: POST /call/{token} answered ${joined.status ?? 'nothing'}`);
  };
  await openAndJoin('A', a, 'Start call');
  await openAndJoin('B', b, 'Join call');

  let rtcA: RtcSnapshot = await a.rtc();
  let rtcB: RtcSnapshot = await b.rtc();
  const tConnect = Date.now();
  const connected = await test.step('both peer connections reach "connected"', () =>
    expect
      .poll(
        async () => {
          [rtcA, rtcB] = await Promise.all([a.rtc(), b.rtc()]);
          return isConnected(rtcA) && isConnected(rtcB);
        },
        { timeout: CALL_CONNECT_TIMEOUT_MS, intervals: [POLL_INTERVAL_MS] },
      )
      .toBe(true)
      .then(
        () => true,
        () => false,
      ));
  const connectMs = connected ? Date.now() - tConnect : null;

  let mediaFlowing = false;
  if (connected) {
    mediaFlowing = await test.step('media flows both ways: inbound bytes grow on both sides', async () => {
      const base = { a: inboundBytes(rtcA), b: inboundBytes(rtcB) };
      const ok = await expect
        .poll(
          async () => {
            [rtcA, rtcB] = await Promise.all([a.rtc(), b.rtc()]);
            return inboundBytes(rtcA) - base.a >= MEDIA_MIN_GROWTH_BYTES && inboundBytes(rtcB) - base.b >= MEDIA_MIN_GROWTH_BYTES;
          },
          { timeout: MEDIA_FLOW_TIMEOUT_MS, intervals: [POLL_INTERVAL_MS] },
        )
        .toBe(true)
        .then(
          () => true,
          () => false,
        );
      evidence.add('bytesGrowth', { A: inboundBytes(rtcA) - base.a, B: inboundBytes(rtcB) - base.b, minimum: MEDIA_MIN_GROWTH_BYTES });
      return ok;
    });
  }
  await test.step('screenshots of both participants in the call', async () => {
    await a.screenshot(`call-A-${a.browserName}.png`);
    await b.screenshot(`call-B-${b.browserName}.png`);
  });
  evidence
    .add('rtc', { A: rtcA, B: rtcB })
    .add('connectMs', connectMs)
    .add('signaling', { A: summarize(a), B: summarize(b) });
  if (connected) {
    await session.uiStep('both leave the call ("Leave call", from its menu where Talk ≤ 21 shows one)', async () => {
      const [la, lb] = await Promise.all([a.call.leaveCall(), b.call.leaveCall()]);
      evidence.add('leave', { A: la, B: lb });
    });
  }
  evidence.add('wallMs', Date.now() - t0).add('console', { A: a.console, B: b.console });
  return { a, b, rtcA, rtcB, connected, connectMs, mediaFlowing };
}

function summarize(p: Participant): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of p.signaling) out[`${r.method} ${r.status}`] = (out[`${r.method} ${r.status}`] ?? 0) + 1;
  return out;
}

/** The verdict lines every call check shares: connected both sides, media both ways. */
export function requireConnectedCall(run: CallRun, evidence: EvidenceRecorder, forceRelay: boolean): void {
  const pa = connectedPc(run.rtcA);
  const pb = connectedPc(run.rtcB);
  const pair = (p?: PeerConnectionSnapshot) => (p?.selectedPair ? `${p.selectedPair.local?.type ?? '?'}→${p.selectedPair.remote?.type ?? '?'}` : 'no pair');
  evidence.observed(
    run.connected
      ? `connected in ${run.connectMs} ms (A ${pair(pa)}, B ${pair(pb)}); inbound bytes A ${inboundBytes(run.rtcA)}, B ${inboundBytes(run.rtcB)}${run.mediaFlowing ? '' : ' — not growing'}`
      : `not connected after ${CALL_CONNECT_TIMEOUT_MS / 1000} s (A: ${run.rtcA.pcs.map((p) => p.connectionState).join(',') || 'no peer connection'}; B: ${run.rtcB.pcs.map((p) => p.connectionState).join(',') || 'no peer connection'})`,
  );
  if (!run.connected) evidence.require(false, diagnoseNoConnection(run.a, run.b, run.rtcA, run.rtcB, forceRelay));
  evidence.require(
    run.mediaFlowing,
    `the peer connections are connected but media does not flow both ways within ${MEDIA_FLOW_TIMEOUT_MS / 1000} s (inbound bytes A ${inboundBytes(run.rtcA)}, B ${inboundBytes(run.rtcB)})`,
  );
}
