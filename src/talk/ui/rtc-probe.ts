/**
 * What the suite knows about a call's WebRTC without asking the app: an init script (passed to
 * `addInitScript`, so self-contained) wraps the global RTCPeerConnection before any page script
 * runs, keeps every peer connection the app creates in `window.__talkCertify.pcs`, and — when
 * relay is forced — rewrites each configuration to `iceTransportPolicy: 'relay'` (also through
 * `setConfiguration`). Talk's webrtc-adapter shim wraps whatever global it finds at load time,
 * so it wraps this one, and the instrumentation works on a real Talk as on the reference double.
 * `readPeerConnectionsInPage` then reads state and getStats (webrtc-stats: inbound-rtp
 * bytesReceived, the transport's selected candidate pair and its local/remote candidates).
 */

export interface RtcProbeOptions {
  forceRelay: boolean;
}

export function installRtcProbe(opts: RtcProbeOptions): void {
  const w = window as unknown as Record<string, unknown>;
  if (w['__talkCertify']) return;
  const Native = window.RTCPeerConnection;
  const state = { pcs: [] as RTCPeerConnection[], forceRelay: opts.forceRelay, created: 0 };
  w['__talkCertify'] = state;
  if (!Native) return;
  const relayConfig = (config?: RTCConfiguration): RTCConfiguration | undefined => (state.forceRelay ? { ...(config ?? {}), iceTransportPolicy: 'relay' } : config);
  class InstrumentedPeerConnection extends Native {
    constructor(config?: RTCConfiguration) {
      super(relayConfig(config));
      state.created++;
      state.pcs.push(this);
    }
    override setConfiguration(config?: RTCConfiguration): void {
      super.setConfiguration(relayConfig(config));
    }
  }
  w['RTCPeerConnection'] = InstrumentedPeerConnection;
  if (w['webkitRTCPeerConnection']) w['webkitRTCPeerConnection'] = InstrumentedPeerConnection;
}

export interface CandidateInfo {
  type: string | null;
  protocol: string | null;
  address: string | null;
  port: number | null;
  relayProtocol: string | null;
}

export interface PeerConnectionSnapshot {
  index: number;
  connectionState: string;
  iceConnectionState: string;
  iceTransportPolicy: string | null;
  signalingState: string;
  /** Type of the remote description (`offer`/`answer`), null when none arrived. */
  remoteDescription: string | null;
  /** Local candidates gathered, by type (host, srflx, prflx, relay). */
  localCandidateTypes: Record<string, number>;
  /** Sum of inbound-rtp bytesReceived, per kind. */
  bytesReceived: { audio: number; video: number };
  bytesSent: number;
  selectedPair: { state: string | null; local: CandidateInfo | null; remote: CandidateInfo | null } | null;
  codecs: string[];
}

export interface RtcSnapshot {
  instrumented: boolean;
  created: number;
  forceRelay: boolean;
  pcs: PeerConnectionSnapshot[];
  error: string | null;
}

export async function readPeerConnectionsInPage(): Promise<RtcSnapshot> {
  const s = (window as unknown as { __talkCertify?: { pcs: RTCPeerConnection[]; forceRelay: boolean; created: number } }).__talkCertify;
  if (!s) return { instrumented: false, created: 0, forceRelay: false, pcs: [], error: 'the RTCPeerConnection probe is not installed on this page' };
  const out: RtcSnapshot = { instrumented: true, created: s.created, forceRelay: s.forceRelay, pcs: [], error: null };
  try {
    for (let i = 0; i < s.pcs.length; i++) {
      const pc = s.pcs[i]!;
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      stats.forEach((r: Record<string, unknown>) => byId.set(String(r['id']), r));
      const snap: PeerConnectionSnapshot = {
        index: i,
        connectionState: pc.connectionState,
        iceConnectionState: pc.iceConnectionState,
        iceTransportPolicy: pc.getConfiguration().iceTransportPolicy ?? null,
        signalingState: pc.signalingState,
        remoteDescription: pc.remoteDescription?.type ?? null,
        localCandidateTypes: {},
        bytesReceived: { audio: 0, video: 0 },
        bytesSent: 0,
        selectedPair: null,
        codecs: [],
      };
      let pairId: string | null = null;
      byId.forEach((r) => {
        const kind = String(r['kind'] ?? r['mediaType'] ?? '');
        if (r['type'] === 'inbound-rtp' && !r['isRemote']) {
          if (kind === 'audio') snap.bytesReceived.audio += Number(r['bytesReceived'] ?? 0);
          if (kind === 'video') snap.bytesReceived.video += Number(r['bytesReceived'] ?? 0);
        }
        if (r['type'] === 'outbound-rtp' && !r['isRemote']) snap.bytesSent += Number(r['bytesSent'] ?? 0);
        // Chromium: the transport names the selected pair; Firefox: the pair itself says `selected`.
        if (r['type'] === 'transport' && typeof r['selectedCandidatePairId'] === 'string') pairId = r['selectedCandidatePairId'];
        if (r['type'] === 'candidate-pair' && r['selected'] === true && !pairId) pairId = String(r['id']);
        if (r['type'] === 'local-candidate') {
          const t = String(r['candidateType'] ?? 'unknown');
          snap.localCandidateTypes[t] = (snap.localCandidateTypes[t] ?? 0) + 1;
        }
        if (r['type'] === 'codec' && typeof r['mimeType'] === 'string') snap.codecs.push(r['mimeType']);
      });
      if (!pairId) {
        byId.forEach((r) => {
          if (!pairId && r['type'] === 'candidate-pair' && r['nominated'] === true && r['state'] === 'succeeded') pairId = String(r['id']);
        });
      }
      const cand = (id: unknown): CandidateInfo | null => {
        const c = typeof id === 'string' ? byId.get(id) : undefined;
        if (!c) return null;
        return {
          type: (c['candidateType'] as string) ?? null,
          protocol: (c['protocol'] as string) ?? null,
          address: ((c['address'] ?? c['ip']) as string) ?? null,
          port: typeof c['port'] === 'number' ? c['port'] : null,
          relayProtocol: (c['relayProtocol'] as string) ?? null,
        };
      };
      const pair = pairId ? byId.get(pairId) : undefined;
      if (pair) snap.selectedPair = { state: (pair['state'] as string) ?? null, local: cand(pair['localCandidateId']), remote: cand(pair['remoteCandidateId']) };
      snap.codecs = [...new Set(snap.codecs)];
      out.pcs.push(snap);
    }
  } catch (err) {
    out.error = String(err);
  }
  return out;
}

/** Total inbound bytes of a participant's open peer connections. */
export function inboundBytes(s: RtcSnapshot): number {
  return s.pcs.reduce((n, p) => n + p.bytesReceived.audio + p.bytesReceived.video, 0);
}
