import type { Page } from '@playwright/test';
import { type EvidenceRecorder, test } from '../../../fixtures/turn.ts';
import type { ResolvedTarget } from '../../../src/targets/index.ts';
import { type GatheredCandidate, gatherRelayCandidatesInPage, type RelayGatherResult } from '../../../src/turn/relay-page.ts';
import { type HostResolution, resolveHosts, tcpReach, udpStunAnswers } from '../../../src/turn/reach.ts';
import type { TurnTransport } from '../../../src/turn/settings.ts';
import type { TalkTurnSettings } from '../../../src/turn/signaling.ts';
import { addTurnEvidence } from './settings.ts';

/**
 * The logic of turn.relay.udp/tcp/tls (relay-*.spec.ts) and turn.relay.restricted
 * (relay-restricted.spec.ts): what the browser gathers with Talk's TURN URLs, and the verdict.
 * The in-page gathering itself is library code in src/turn/relay-page.ts.
 */

/** Talk's own test gives up after 10 s (TurnServer.vue); a TCP/TLS allocation on a slow link takes a few seconds. */
export const RELAY_GATHER_TIMEOUT_MS = 10_000;

/** `turn.relay.<transport>` in the current browser. */
export async function certifyRelay(
  transport: TurnTransport,
  {
    turnSettings,
    evidence,
    page,
    browserName,
    browserTrustNotes,
    hosts,
  }: {
    turnSettings: TalkTurnSettings;
    evidence: EvidenceRecorder;
    page: Page;
    browserName: string;
    browserTrustNotes?: string[];
    /** Names the browser was launched to resolve (target.hosts); others go through DNS. */
    hosts?: Record<string, string>;
  },
): Promise<void> {
  addTurnEvidence(evidence, turnSettings);
  // How the browser was made to trust the target's private CA and resolve its names, if it was.
  if (browserTrustNotes) evidence.add('browserLaunch', browserTrustNotes.length ? browserTrustNotes : ['system trust store and DNS only']);
  const urls = turnSettings.urls.filter((u) => u.transport === transport);
  evidence.add(
    'urlsTried',
    urls.map((u) => u.url),
  );
  if (turnSettings.servers.length === 0) {
    evidence.observed('no TURN server in the signaling settings');
    evidence.require(false, 'Talk hands out no TURN server (see turn.configured), so no relay candidate can be gathered');
  }
  if (urls.length === 0) {
    evidence.observed(`no ${transport.toUpperCase()} TURN URL offered`);
    evidence.require(
      false,
      `Talk offers no TURN URL for ${transport.toUpperCase()} (${transport === 'tls' ? 'turns:' : `turn:…?transport=${transport}`}); offered: ${turnSettings.urls.map((u) => u.url).join(', ')}`,
    );
  }
  const iceServers = turnSettings.servers
    .map((s, i) => ({ urls: urls.filter((u) => u.server === i).map((u) => u.url), username: s.username, credential: s.credential }))
    .filter((s) => s.urls.length > 0);
  const result: RelayGatherResult = await test.step(`gather candidates with only ${transport.toUpperCase()} TURN URLs and iceTransportPolicy 'relay'`, () =>
    page.evaluate(gatherRelayCandidatesInPage, { iceServers, timeoutMs: RELAY_GATHER_TIMEOUT_MS }));
  // Chromium may surface peer-reflexive candidates later in a call; during gathering with policy
  // 'relay' both browsers must give only relay candidates, and only those count here.
  const relay = result.candidates.filter((c) => c.type === 'relay');
  const relayOfTransport = relay.filter((c) => c.relayProtocol === null || c.relayProtocol === transport);
  evidence.add('browser', browserName).add('gathering', result);
  // 701 per URL is normal while another URL of the same list works (Chromium reports it for
  // every unreachable URL, Firefox rarely); it is evidence, not the verdict.
  const errors = [...new Set(result.errors.map((e) => `${e.errorCode} ${e.errorText} (${e.url})`))];
  evidence.observed(
    relay.length > 0
      ? `${relay.length} relay candidate(s), first after ${result.firstRelayMs} ms: ${relay.map((c) => `${c.address}:${c.port} ${c.protocol}${c.relayProtocol ? ` via ${c.relayProtocol}` : ''}`).join(', ')}`
      : `no relay candidate (${result.complete ? 'gathering completed' : `timed out after ${RELAY_GATHER_TIMEOUT_MS} ms`})${errors.length ? `; errors: ${errors.join('; ')}` : ''}`,
  );
  if (result.error) evidence.require(false, `the browser could not run the gathering: ${result.error}`);
  if (relay.length === 0) {
    // 701 says only "could not reach": find out whether the name even resolves from here.
    const unresolved = await unresolvedTurnHosts(
      urls.map((u) => u.host),
      hosts,
      evidence,
    );
    evidence.require(
      false,
      `no relay candidate through ${urls.map((u) => u.url).join(', ')} within ${RELAY_GATHER_TIMEOUT_MS} ms` +
        (unresolved.length ? `: ${dnsDiagnosis(unresolved, transport)}` : '') +
        (errors.length ? ` (icecandidateerror: ${errors.join('; ')})` : ' and no icecandidateerror: the server did not answer'),
    );
  }
  evidence.require(relayOfTransport.length > 0, `relay candidates came only over ${[...new Set(relay.map((c) => c.relayProtocol))].join(', ')}, not ${transport}`);
}

/**
 * How to establish turn.relay.restricted where the suite does not control the network. Meanwhile
 * turn.port.443 shows from here whether Talk offers TURN on TCP/TLS port 443 at all.
 */
export const RESTRICTED_HOW =
  'run the suite with TALK_TURN_RESTRICTED_NETWORK=1 from a machine whose network lets only TCP 443 out ' +
  '(behind a corporate firewall, or a VM whose firewall drops all outgoing traffic but TCP 443); turn.port.443 already shows whether Talk offers TURN on TCP/TLS 443';

/** After the first relay candidate: the other URLs only time out behind a dropping firewall. */
export const RESTRICTED_SETTLE_MS = 1_000;

/** Resolves the TURN hosts as the browser would, adds it to the evidence, returns those that do not resolve. */
async function unresolvedTurnHosts(
  hostNames: string[],
  hosts: Record<string, string> | undefined,
  evidence: EvidenceRecorder,
): Promise<Extract<HostResolution, { resolves: false }>[]> {
  const resolution = await test.step('resolve the TURN host names from this machine (DNS)', () => resolveHosts(hostNames, hosts));
  evidence.add('dns', resolution);
  return resolution.filter((r): r is Extract<HostResolution, { resolves: false }> => !r.resolves);
}

/** "the TURN host name x in Talk's turns: URL does not resolve from this client (DNS ENOTFOUND) …" */
function dnsDiagnosis(unresolved: Extract<HostResolution, { resolves: false }>[], transport: TurnTransport | null): string {
  const names = unresolved.map((r) => `${r.host} (DNS ${r.error})`).join(', ');
  const scheme = transport === 'tls' ? 'turns:' : transport ? `turn:…?transport=${transport}` : 'TURN';
  return (
    `the TURN host name ${names} in Talk's ${scheme} URL does not resolve from this client, so the browser never reached the server ` +
    '(icecandidateerror 701 is "could not reach the server", here because of DNS); publish an A/AAAA record for it in public DNS, or configure the name that coturn\'s certificate names and that resolves'
  );
}

/** Relay candidate summary for evidence and the observed line. */
function describeCandidate(c: GatheredCandidate): string {
  return `${c.address}:${c.port} ${c.protocol}${c.relayProtocol ? ` via ${c.relayProtocol}` : ''}${c.url ? ` from ${c.url}` : ''}`;
}

/**
 * `turn.relay.restricted`: the browser, with all of Talk's TURN URLs and policy 'relay', on a
 * network that lets only TCP 443 through. The reference platform simulates that network: a second
 * address of its TURN host accepts only TCP 443 (iptables in its namespace), and Talk's URLs are
 * pointed at it for this check — the mapping is in the evidence. Elsewhere the check runs only
 * when the operator declares the network restricted (TALK_TURN_RESTRICTED_NETWORK), with Talk's
 * URLs as they are, and first checks that UDP really does not get through.
 */
export async function certifyRestrictedRelay({
  turnSettings,
  evidence,
  page,
  browserName,
  target,
  browserTrustNotes,
}: {
  turnSettings: TalkTurnSettings;
  evidence: EvidenceRecorder;
  page: Page;
  browserName: string;
  target: ResolvedTarget;
  browserTrustNotes: string[];
}): Promise<void> {
  addTurnEvidence(evidence, turnSettings);
  evidence.add('browser', browserName).add('browserLaunch', browserTrustNotes.length ? browserTrustNotes : ['system trust store and DNS only']);
  const restricted = target.restrictedTurn;
  if (!restricted) {
    return evidence.notRun(
      "this machine's network is not declared restricted to TCP 443, and the suite never firewalls the machine it runs on, so it cannot see what a client behind such a firewall sees",
      { class: 'environment', how: RESTRICTED_HOW },
    );
  }
  if (turnSettings.servers.length === 0) {
    evidence.observed('no TURN server in the signaling settings');
    evidence.require(false, 'Talk hands out no TURN server (see turn.configured), so nothing can relay on a network that lets only TCP 443 through');
  }
  // The URLs as the browser gets them on the restricted network.
  const provided = restricted.kind === 'provided' ? restricted : null;
  const mapHost = (host: string) => (provided?.replaces.includes(host) ? provided.address : host);
  const mapped = turnSettings.urls.map((u) => {
    const host = mapHost(u.host);
    const url = host === u.host ? u.url : u.url.replace(`:${u.host}:`, `:${host}:`).replace(`:${u.host}?`, `:${host}?`);
    return { ...u, talkUrl: u.url, url, host };
  });
  evidence.add(
    'network',
    provided
      ? {
          kind: provided.label,
          how: provided.how,
          firewallRules: provided.rules,
          urlMapping: mapped.map((m) => ({ talk: m.talkUrl, used: m.url })),
        }
      : { kind: 'declared by the operator (TALK_TURN_RESTRICTED_NETWORK=1)', urls: mapped.map((m) => m.url) },
  );
  // What the network lets through, seen from Node on this machine.
  const reach = await test.step('probe the restricted path from Node (UDP STUN, TCP connect)', async () => {
    const udp = [...new Map(mapped.filter((m) => m.protocol === 'udp').map((m) => [`${m.host}:${m.port}`, m])).values()];
    const tcp = [...new Map(mapped.filter((m) => m.protocol === 'tcp').map((m) => [`${m.host}:${m.port}`, m])).values()];
    return {
      udpStunAnswered: Object.fromEntries(await Promise.all(udp.map(async (m) => [`${m.host}:${m.port}`, await udpStunAnswers(m.host, m.port)] as const))),
      tcpConnect: Object.fromEntries(await Promise.all(tcp.map(async (m) => [`${m.host}:${m.port}`, await tcpReach(m.host, m.port)] as const))),
    };
  });
  evidence.add('reach', reach);
  const udpThrough = Object.entries(reach.udpStunAnswered)
    .filter(([, ok]) => ok)
    .map(([hp]) => hp);
  if (udpThrough.length > 0) {
    evidence.observed(`UDP reaches ${udpThrough.join(', ')}: the network is not restricted`);
    if (restricted.kind === 'declared') {
      evidence.notRun(
        `TALK_TURN_RESTRICTED_NETWORK=1, but a UDP STUN Binding to ${udpThrough.join(', ')} was answered: this network is not restricted, so the check would prove nothing`,
      );
    }
    evidence.require(false, `the restricted network (${provided ? provided.label : 'declared'}) let UDP through to ${udpThrough.join(', ')}: its firewall rules are not in effect`);
  }
  const iceServers = turnSettings.servers
    .map((s, i) => ({ urls: mapped.filter((u) => u.server === i).map((u) => u.url), username: s.username, credential: s.credential }))
    .filter((s) => s.urls.length > 0);
  evidence.add(
    'urlsTried',
    mapped.map((m) => m.url),
  );
  const result: RelayGatherResult = await test.step("gather candidates with all of Talk's TURN URLs and iceTransportPolicy 'relay'", () =>
    page.evaluate(gatherRelayCandidatesInPage, { iceServers, timeoutMs: RELAY_GATHER_TIMEOUT_MS, settleAfterFirstRelayMs: RESTRICTED_SETTLE_MS }));
  evidence.add('gathering', result);
  const relay = result.candidates.filter((c) => c.type === 'relay');
  // Which URL produced the relay: the browser's own word where it gives one, else the URLs of that transport.
  const producedBy = [
    ...new Set(
      relay.map(
        (c) =>
          c.url ??
          (c.relayProtocol
            ? mapped
                .filter((m) => m.transport === c.relayProtocol)
                .map((m) => m.url)
                .join(' or ')
            : 'URL not reported by the browser'),
      ),
    ),
  ];
  evidence.add('relayFrom', producedBy).add('firstRelayMs', result.firstRelayMs);
  const errors = [...new Set(result.errors.map((e) => `${e.errorCode} ${e.errorText} (${e.url})`))];
  evidence.observed(
    relay.length > 0
      ? `${relay.length} relay candidate(s), first after ${result.firstRelayMs} ms: ${relay.map(describeCandidate).join(', ')}`
      : `no relay candidate (${result.complete ? 'gathering completed' : `timed out after ${RELAY_GATHER_TIMEOUT_MS} ms`})${errors.length ? `; errors: ${errors.join('; ')}` : ''}`,
  );
  if (result.error) evidence.require(false, `the browser could not run the gathering: ${result.error}`);
  if (relay.length > 0) return;
  const through443 = mapped.filter((m) => m.port === 443 && m.protocol === 'tcp');
  if (through443.length === 0) {
    evidence.require(
      false,
      `Talk offers no TURN URL over TCP or TLS on port 443 (only ${[...new Set(turnSettings.urls.map((u) => `${u.port}/${u.transport}`))].join(', ')}), and a network that lets only TCP 443 through blocks every one of them`,
    );
  }
  const refused = Object.entries(reach.tcpConnect)
    .filter(([hp, r]) => hp.endsWith(':443') && r === 'refused')
    .map(([hp]) => hp);
  const unresolved = refused.length
    ? []
    : await unresolvedTurnHosts(
        through443.map((m) => m.host),
        target.hosts,
        evidence,
      );
  evidence.require(
    false,
    `no relay candidate through ${through443.map((m) => m.url).join(', ')} within ${RELAY_GATHER_TIMEOUT_MS} ms` +
      (refused.length
        ? `: ${refused.join(', ')} refuses TCP connections — the TURN server has no TCP/TLS listener on 443`
        : unresolved.length
          ? `: ${dnsDiagnosis(unresolved, null)}${errors.length ? ` (icecandidateerror: ${errors.join('; ')})` : ''}`
          : errors.length
            ? ` (icecandidateerror: ${errors.join('; ')})`
            : ''),
  );
}
